package io.igdstream.app.cli;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --config FILE}: a HOCON file whose igd keys override reference.conf's. */
final class ConfigOption {

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "HOCON file with overrides of reference.conf (unknown igd keys are rejected).")
  Path file;

  /** The configuration: {@code overrides}, then --config FILE, then the reference.conf files. */
  Config load(Map<String, Object> overrides) {
    return Settings.load(file, overrides);
  }
}
