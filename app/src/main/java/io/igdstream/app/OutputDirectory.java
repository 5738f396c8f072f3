package io.igdstream.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks at start that an output directory can be written, so a run never fails at its end. */
final class OutputDirectory {

  private OutputDirectory() {}

  static void prepare(Path out) {
    try {
      Files.createDirectories(out);
      Path probe = Files.createTempFile(out, ".write-check", ".tmp");
      Files.delete(probe);
    } catch (IOException | SecurityException e) {
      throw new BadInputException("--out " + out + " is not writable: " + e.getMessage());
    }
  }
}
