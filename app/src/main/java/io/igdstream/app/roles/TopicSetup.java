package io.igdstream.app.roles;

import com.typesafe.config.Config;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.kafka.AccessTable;
import io.igdstream.streams.kafka.AccessTable.Role;
import io.igdstream.streams.kafka.TopicAdmin;
import io.igdstream.streams.kafka.TopicsSettings;
import java.time.Duration;
import java.util.List;

/** The topics of a prefix, made ready before a role reads or writes them. */
public final class TopicSetup {

  /** Whether roles create missing topics (false on a secured cluster: only the admin may). */
  public static final String CREATE_KEY = "igd.topics.create";

  private static final Duration READY = Duration.ofSeconds(60);

  private TopicSetup() {}

  /**
   * Creates the six topics of the prefix if missing ({@value #CREATE_KEY} = true) or only waits
   * until the topics {@code role} touches exist (false: it may describe only those), and until they
   * take records.
   */
  public static void ensure(KafkaSettings kafka, Config config, TopicNames topics, Role role)
      throws InterruptedException {
    if (config.getBoolean(CREATE_KEY)) {
      create(kafka, config, topics);
    } else {
      List<String> names =
          AccessTable.topics(role).stream().map(t -> topics.prefix() + "." + t).toList();
      TopicAdmin.awaitExisting(kafka, names, READY);
    }
  }

  /**
   * Creates the missing topics of the prefix as the configured user, whatever {@value #CREATE_KEY}.
   */
  public static void create(KafkaSettings kafka, Config config, TopicNames topics)
      throws InterruptedException {
    TopicAdmin.ensure(kafka, TopicsSettings.fromConfig(config).specs(topics), READY);
  }
}
