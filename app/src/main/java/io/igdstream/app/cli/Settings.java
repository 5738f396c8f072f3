package io.igdstream.app.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The effective configuration: command-line overrides, then {@code --config FILE}, then
 * application.conf and the modules' reference.conf (Typesafe Config's usual layering).
 */
public final class Settings {

  private Settings() {}

  public static Config load(Path configFile, Map<String, Object> overrides) {
    try {
      Config base = ConfigFactory.load();
      if (configFile != null) {
        if (!Files.isRegularFile(configFile)) {
          throw new BadInputException("--config " + configFile + " does not exist");
        }
        Config file =
            ConfigFactory.parseFile(
                configFile.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        base = file.withFallback(base).resolve();
      }
      Config merged =
          ConfigFactory.parseMap(overrides, "command line").withFallback(base).resolve();
      checkKnownKeys(merged, ConfigFactory.defaultReference());
      return merged;
    } catch (ConfigException e) {
      throw new BadInputException("bad configuration: " + e.getMessage());
    }
  }

  /**
   * Kafka client property sections: their keys are Kafka's (security.protocol, sasl.jaas.config,
   * ...), not igd-stream's, so reference.conf cannot list them (KafkaSettings checks the owned
   * ones).
   */
  private static final List<String> FREE_FORM =
      List.of("kafka.client.", "kafka.producer.", "kafka.consumer.", "kafka.admin.");

  /**
   * Rejects keys under igd that reference.conf does not define (a typo would otherwise be ignored).
   */
  private static void checkKnownKeys(Config config, Config reference) {
    if (!config.hasPath("igd")) {
      return;
    }
    for (var entry : config.getConfig("igd").entrySet()) {
      String path = entry.getKey();
      if (FREE_FORM.stream().anyMatch(path::startsWith)) {
        continue;
      }
      String key = "igd." + path;
      // hasPathOrNull: a key whose default is null (igd.evaluate.autoattack.eps) is known too
      if (!reference.hasPathOrNull(key)) {
        throw new BadInputException("unknown configuration key '" + key + "' (see reference.conf)");
      }
    }
  }
}
