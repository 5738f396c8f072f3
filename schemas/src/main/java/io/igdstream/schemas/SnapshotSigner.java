package io.igdstream.schemas;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Signs snapshot headers with the trainer's Ed25519 private key (a PKCS#8 PEM file, as {@link
 * SnapshotKeys#generate} writes it); see {@link SnapshotSignature} for what is signed. Thread-safe.
 * {@link #toString} never shows the key.
 */
public final class SnapshotSigner {

  /** Config key of the private key file; empty: snapshots are not signed. */
  public static final String CONFIG_KEY = "igd.snapshots.signing-key";

  private final PrivateKey key;
  private final Path file;

  private SnapshotSigner(PrivateKey key, Path file) {
    this.key = key;
    this.file = file;
  }

  /**
   * Reads an Ed25519 private key from a PEM file ({@code -----BEGIN PRIVATE KEY-----}).
   *
   * @throws IllegalArgumentException naming the file (never its content) if it is unreadable or not
   *     an Ed25519 key
   */
  public static SnapshotSigner fromPemFile(Path file) {
    byte[] der = SnapshotSignature.pem(file, "PRIVATE KEY");
    try {
      return new SnapshotSigner(
          KeyFactory.getInstance(SnapshotSignature.ALGORITHM)
              .generatePrivate(new PKCS8EncodedKeySpec(der)),
          file);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(file + " holds no Ed25519 private key", e);
    }
  }

  /** The signer of {@code igd.snapshots.signing-key}, empty when it is "" (signing off). */
  public static Optional<SnapshotSigner> fromConfig(Config root) {
    if (!root.hasPath(CONFIG_KEY) || root.getString(CONFIG_KEY).isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(fromPemFile(Path.of(root.getString(CONFIG_KEY))));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(CONFIG_KEY + ": " + e.getMessage(), e);
    }
  }

  /** {@code header} with its signature in the metadata (replacing any earlier one). */
  public SnapshotHeader sign(SnapshotHeader header) {
    byte[] signature;
    try {
      Signature s = Signature.getInstance(SnapshotSignature.ALGORITHM);
      s.initSign(key);
      s.update(SnapshotSignature.signedBytes(header));
      signature = s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
    Map<String, String> metadata = new LinkedHashMap<>(header.getMetadata());
    metadata.put(
        SnapshotSignature.METADATA_KEY,
        SnapshotSignature.PREFIX + Base64.getEncoder().encodeToString(signature));
    return SnapshotHeader.newBuilder(header).setMetadata(metadata).build();
  }

  @Override
  public String toString() {
    return "SnapshotSigner[" + file + "]";
  }
}
