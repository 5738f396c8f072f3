package io.igdstream.app.cli;

import com.typesafe.config.Config;
import io.igdstream.app.roles.TopicSetup;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.kafka.TopicSpec;
import io.igdstream.streams.kafka.TopicsSettings;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code igd topics}: the six topics of a prefix, created as the configured user: on a secured
 * cluster the admin principal, so that the roles need no right to create topics (docs/SECURITY.md).
 */
@Command(
    name = "topics",
    mixinStandardHelpOptions = true,
    header = "Creates the topics of a prefix (as the admin).",
    description =
        "Creates the missing topics NS.samples, NS.train.adversarial, ... with igd.topics' settings"
            + " and waits until they take records; existing topics are left as they are. On a"
            + " secured cluster run it with the admin's --config; the roles (igd.topics.create ="
            + " false) then only check that the topics exist.")
public final class TopicsCommand implements Callable<Integer> {

  @Option(
      names = "--bootstrap-servers",
      paramLabel = "HOST:PORT",
      description = "Kafka brokers (igd.kafka.bootstrap-servers; default 127.0.0.1:9092).")
  String bootstrapServers;

  @Option(
      names = "--topic-prefix",
      paramLabel = "NS",
      defaultValue = "igd",
      description = "Topic namespace (default: ${DEFAULT-VALUE}).")
  String topicPrefix;

  @Mixin ConfigOption config;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> overrides = new LinkedHashMap<>();
    if (bootstrapServers != null) {
      overrides.put("igd.kafka.bootstrap-servers", bootstrapServers);
    }
    Config loaded = config.load(overrides);
    TopicNames topics = new TopicNames(topicPrefix);
    KafkaSettings kafka = StreamOptions.kafka(loaded);
    TopicSetup.create(kafka, loaded, topics);
    System.out.println(
        "topics ready: "
            + TopicsSettings.fromConfig(loaded).specs(topics).stream()
                .map(TopicSpec::name)
                .collect(Collectors.joining(", ")));
    return ExitCode.OK;
  }
}
