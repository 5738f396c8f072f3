package io.igdstream.app.roles;

import com.typesafe.config.Config;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.corrupt.CorruptSettings;
import io.igdstream.streams.corrupt.CorruptStage;
import io.igdstream.streams.metrics.StreamMetrics;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.kafka.javadsl.Consumer;

/** The corrupt role: the configuration made into the running corruption stream. */
public final class CorruptRole {

  private CorruptRole() {}

  /** Starts the corruption stream; drain its control to stop it with its offsets committed. */
  public static Consumer.DrainingControl<Done> start(
      ActorSystem system,
      KafkaSettings kafka,
      TopicNames topics,
      Config config,
      StreamMetrics metrics) {
    return CorruptStage.run(system, kafka, topics, CorruptSettings.fromConfig(config), metrics);
  }
}
