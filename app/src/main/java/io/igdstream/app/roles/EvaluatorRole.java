package io.igdstream.app.roles;

import com.typesafe.config.Config;
import io.igdstream.app.console.Log;
import io.igdstream.schemas.SnapshotVerifier;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.evaluate.EvaluateSettings;
import io.igdstream.streams.evaluate.EvaluationMetrics;
import io.igdstream.streams.evaluate.EvaluatorStream;
import io.igdstream.streams.metrics.StreamMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.apache.pekko.actor.ActorSystem;

/** The evaluator role: the configuration made into the running evaluator of the snapshots. */
public final class EvaluatorRole {

  private EvaluatorRole() {}

  /** Starts following the snapshots of igd.trainer.model-id; a report per selected one. */
  public static EvaluatorStream start(
      ActorSystem system,
      KafkaSettings kafka,
      TopicNames topics,
      Config config,
      StreamMetrics streamMetrics,
      PrometheusRegistry registry,
      Log log) {
    EvaluateSettings settings = EvaluateSettings.fromConfig(config);
    return EvaluatorStream.start(
        system,
        kafka,
        topics,
        config.getString("igd.trainer.model-id"),
        settings,
        settings.attack(config),
        streamMetrics,
        new EvaluationMetrics(registry),
        log::info,
        SnapshotVerifier.fromConfig(config));
  }
}
