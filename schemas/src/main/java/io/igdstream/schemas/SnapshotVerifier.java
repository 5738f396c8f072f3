package io.igdstream.schemas;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Optional;

/**
 * Checks snapshot headers against the trainer's Ed25519 public key (an X.509 PEM file, as {@link
 * SnapshotKeys#generate} writes it); see {@link SnapshotSignature}. Thread-safe.
 */
public final class SnapshotVerifier {

  /** Config key of the public key file; empty: snapshots are not verified. */
  public static final String CONFIG_KEY = "igd.snapshots.verify-key";

  /** The reason every refused snapshot's dead letter starts with. */
  public static final String REASON = "bad-signature";

  private final PublicKey key;
  private final Path file;

  private SnapshotVerifier(PublicKey key, Path file) {
    this.key = key;
    this.file = file;
  }

  /**
   * Reads an Ed25519 public key from a PEM file ({@code -----BEGIN PUBLIC KEY-----}).
   *
   * @throws IllegalArgumentException naming the file if it is unreadable or not an Ed25519 key
   */
  public static SnapshotVerifier fromPemFile(Path file) {
    byte[] der = SnapshotSignature.pem(file, "PUBLIC KEY");
    try {
      return new SnapshotVerifier(
          KeyFactory.getInstance(SnapshotSignature.ALGORITHM)
              .generatePublic(new X509EncodedKeySpec(der)),
          file);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(file + " holds no Ed25519 public key", e);
    }
  }

  /** The verifier of {@code igd.snapshots.verify-key}, empty when it is "" (verification off). */
  public static Optional<SnapshotVerifier> fromConfig(Config root) {
    if (!root.hasPath(CONFIG_KEY) || root.getString(CONFIG_KEY).isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(fromPemFile(Path.of(root.getString(CONFIG_KEY))));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(CONFIG_KEY + ": " + e.getMessage(), e);
    }
  }

  /**
   * Why {@code header} must not be loaded, or empty if its signature verifies. The reason starts
   * with {@link #REASON}: "bad-signature: unsigned ..." for a header without a signature, "... does
   * not verify ..." for a signature by another key or over other fields.
   */
  public Optional<String> refusal(SnapshotHeader header) {
    String name = "snapshot " + header.getModelId() + " v" + header.getVersion();
    String value = SnapshotSignature.of(header);
    if (value == null) {
      return Optional.of(REASON + ": " + name + " is unsigned and a verify key is configured");
    }
    if (!value.startsWith(SnapshotSignature.PREFIX)) {
      return Optional.of(REASON + ": " + name + " has a signature of an unknown kind");
    }
    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(value.substring(SnapshotSignature.PREFIX.length()));
    } catch (IllegalArgumentException e) {
      return Optional.of(REASON + ": " + name + " has a signature that is not base64");
    }
    try {
      Signature s = Signature.getInstance(SnapshotSignature.ALGORITHM);
      s.initVerify(key);
      s.update(SnapshotSignature.signedBytes(header));
      if (s.verify(signature)) {
        return Optional.empty();
      }
    } catch (java.security.SignatureException e) {
      // a malformed signature: refused below like a wrong one
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 verification failed", e);
    }
    return Optional.of(
        REASON
            + ": "
            + name
            + " does not verify against "
            + file.getFileName()
            + " (signed by another key, or its header was changed)");
  }

  @Override
  public String toString() {
    return "SnapshotVerifier[" + file + "]";
  }
}
