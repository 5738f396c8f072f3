package io.igdstream.app.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.nio.file.Files;
import java.nio.file.Path;
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
   * Rejects keys under igd that reference.conf does not define (a typo would otherwise be ignored).
   */
  private static void checkKnownKeys(Config config, Config reference) {
    if (!config.hasPath("igd")) {
      return;
    }
    for (var entry : config.getConfig("igd").entrySet()) {
      String key = "igd." + entry.getKey();
      // hasPathOrNull: a key whose default is null (igd.evaluate.autoattack.eps) is known too
      if (!reference.hasPathOrNull(key)) {
        throw new BadInputException("unknown configuration key '" + key + "' (see reference.conf)");
      }
    }
  }
}
