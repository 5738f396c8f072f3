package io.igdstream.app.cli;

import io.igdstream.schemas.SnapshotKeys;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code igd keys}: the Ed25519 key pair the trainer signs snapshots with (docs/SECURITY.md). */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    header = "A new key pair for signing model snapshots.",
    description =
        "Writes DIR/"
            + SnapshotKeys.PRIVATE_KEY
            + " (the trainer's igd.snapshots.signing-key; keep it secret) and DIR/"
            + SnapshotKeys.PUBLIC_KEY
            + " (igd.snapshots.verify-key of augment and evaluate). Never overwrites a key.")
public final class KeysCommand implements Callable<Integer> {

  @Option(
      names = "--out",
      paramLabel = "DIR",
      required = true,
      description = "Directory for the two PEM files (created if missing).")
  Path out;

  @Override
  public Integer call() {
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new BadInputException("--out " + out + " is not a directory");
    }
    SnapshotKeys.KeyFiles files;
    try {
      files = SnapshotKeys.generate(out);
    } catch (FileAlreadyExistsException e) {
      throw new BadInputException("--out " + out + ": " + e.getMessage());
    } catch (IOException e) {
      throw new BadInputException("--out " + out + " is not writable (" + e + ")");
    }
    // the paths only: the key itself is never printed
    System.out.println("private key (trainer only): " + files.privateKey());
    System.out.println("public key (augment, evaluate): " + files.publicKey());
    return ExitCode.OK;
  }
}
