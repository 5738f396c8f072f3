package io.igdstream.app.roles;

import com.typesafe.config.Config;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.kafka.TopicAdmin;
import io.igdstream.streams.kafka.TopicsSettings;
import java.time.Duration;

/** The topics of a prefix, made ready before a role reads or writes them. */
public final class TopicSetup {

  private TopicSetup() {}

  /** Creates the six topics of the prefix if missing and waits until they take records. */
  public static void ensure(KafkaSettings kafka, Config config, TopicNames topics)
      throws InterruptedException {
    TopicAdmin.ensure(
        kafka, TopicsSettings.fromConfig(config).specs(topics), Duration.ofSeconds(60));
  }
}
