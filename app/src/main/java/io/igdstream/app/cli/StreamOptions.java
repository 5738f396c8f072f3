package io.igdstream.app.cli;

import com.typesafe.config.Config;
import io.igdstream.app.roles.MetricsServer;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options every Kafka role shares (docs/DESIGN.md "The command line"). */
final class StreamOptions {

  @Option(
      names = "--bootstrap-servers",
      paramLabel = "HOST:PORT",
      description = "Kafka brokers (igd.kafka.bootstrap-servers; default 127.0.0.1:9092).")
  String bootstrapServers;

  @Option(
      names = "--topic-prefix",
      paramLabel = "NS",
      defaultValue = "igd",
      description =
          "Topic namespace: NS.samples, NS.train.adversarial, ... (default: ${DEFAULT-VALUE}).")
  String topicPrefix;

  @Option(
      names = "--metrics-port",
      paramLabel = "PORT",
      defaultValue = "9464",
      description =
          "Prometheus /metrics on 127.0.0.1:PORT; 0 picks a free port, -1 serves none (default: ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(
      names = "--metrics-host",
      paramLabel = "ADDRESS",
      defaultValue = "127.0.0.1",
      description =
          "Address the metrics endpoint binds (default: ${DEFAULT-VALUE}, loopback only; 0.0.0.0 in a pod so Prometheus can scrape it).")
  String metricsHost;

  @Mixin ConfigOption config;

  @Option(names = "--seed", description = "Seed of every random draw (igd.train.seed).")
  Long seed;

  /** The role's metrics endpoint (and registry) as the options ask. */
  MetricsServer metricsServer() {
    try {
      return MetricsServer.start(metricsHost, metricsPort);
    } catch (UncheckedIOException e) {
      throw new BadInputException(
          "--metrics-port "
              + metricsPort
              + " on --metrics-host "
              + metricsHost
              + ": cannot serve metrics there ("
              + e.getCause().getMessage()
              + "); pick another port, or -1 for none");
    }
  }

  /** Validated topic names. */
  TopicNames topics() {
    return new TopicNames(topicPrefix);
  }

  void validate() {
    if (metricsPort < -1 || metricsPort > 65535) {
      throw new BadInputException("--metrics-port must be in -1..65535, was " + metricsPort);
    }
    topics();
  }

  /** The configuration with these options and {@code more} applied. */
  Config config(Map<String, Object> more) {
    Map<String, Object> overrides = new LinkedHashMap<>(more);
    if (bootstrapServers != null) {
      overrides.put("igd.kafka.bootstrap-servers", bootstrapServers);
    }
    if (seed != null) {
      overrides.put("igd.train.seed", seed);
      overrides.put("igd.corrupt.seed", seed);
    }
    return config.load(overrides);
  }

  static KafkaSettings kafka(Config config) {
    KafkaSettings kafka = KafkaSettings.fromConfig(config);
    KafkaRefusal.remember(kafka); // a refusal's line names the user and servers
    return kafka;
  }
}
