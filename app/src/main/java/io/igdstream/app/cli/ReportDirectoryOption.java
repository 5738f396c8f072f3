package io.igdstream.app.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --out DIR}, optional: where an evaluating command also writes the report files. */
public final class ReportDirectoryOption {

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "Also write the report's files here: report.json, report.md and PNG plots.")
  Path dir;

  /** The report directory, or null when none was asked for. */
  public Path dir() {
    return dir;
  }
}
