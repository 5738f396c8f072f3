package io.igdstream.app.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks at start that an output directory can be written, so a run never fails at its end. */
public final class OutputDirectory {

  private OutputDirectory() {}

  public static void prepare(Path out) {
    try {
      Files.createDirectories(out);
      Path probe = Files.createTempFile(out, ".write-check", ".tmp");
      Files.delete(probe);
    } catch (IOException | SecurityException e) {
      throw new BadInputException("--out " + out + " is not writable: " + e.getMessage());
    }
  }
}
