package io.igdstream.app.bench;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --out DIR}, optional: where a benchmark writes its figures as JSON (and plots). */
final class BenchOutputOption {

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description =
          "Directory for the figures as JSON, bench-NAME.json (soak: also bench-soak.png); none without it.")
  Path dir;
}
