package io.igdstream.schemas;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;

/** Makes the snapshot signing key pair: an Ed25519 private key and its public key, as PEM files. */
public final class SnapshotKeys {

  /** File name of the private key (PKCS#8 PEM): only the trainer may read it. */
  public static final String PRIVATE_KEY = "snapshot-signing.key";

  /** File name of the public key (X.509 PEM): for every follower. */
  public static final String PUBLIC_KEY = "snapshot-signing.pub";

  /** The two files written. */
  public record KeyFiles(Path privateKey, Path publicKey) {}

  private SnapshotKeys() {}

  /**
   * Writes a new key pair into {@code dir} (created if missing): {@link #PRIVATE_KEY}, readable by
   * its owner only where the file system has POSIX permissions, and {@link #PUBLIC_KEY}.
   *
   * @throws FileAlreadyExistsException if either file exists: a key pair is never overwritten
   */
  public static KeyFiles generate(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path priv = dir.resolve(PRIVATE_KEY);
    Path pub = dir.resolve(PUBLIC_KEY);
    for (Path p : new Path[] {priv, pub}) {
      if (Files.exists(p)) {
        throw new FileAlreadyExistsException(p + " exists: not overwriting a key");
      }
    }
    KeyPair pair;
    try {
      pair = KeyPairGenerator.getInstance(SnapshotSignature.ALGORITHM).generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java 15+ platform has Ed25519", e);
    }
    Files.createFile(priv);
    try {
      Files.setPosixFilePermissions(priv, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the directory's permissions are what protects it
    }
    Files.writeString(
        priv,
        SnapshotSignature.pem("PRIVATE KEY", pair.getPrivate().getEncoded()),
        StandardCharsets.US_ASCII,
        StandardOpenOption.TRUNCATE_EXISTING);
    Files.writeString(
        pub,
        SnapshotSignature.pem("PUBLIC KEY", pair.getPublic().getEncoded()),
        StandardCharsets.US_ASCII,
        StandardOpenOption.CREATE_NEW);
    return new KeyFiles(priv, pub);
  }
}
