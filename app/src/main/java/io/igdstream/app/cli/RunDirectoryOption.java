package io.igdstream.app.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --out DIR}, required: the run directory a training command writes and resumes from. */
public final class RunDirectoryOption {

  @Option(
      names = "--out",
      paramLabel = "DIR",
      required = true,
      description =
          "Run directory: checkpoints/, model.safetensors (train-local: also summary.json); a rerun resumes from it.")
  Path dir;

  /** The run directory. */
  public Path dir() {
    return dir;
  }
}
