package io.igdstream.app.roles;

import com.typesafe.config.Config;
import io.igdstream.app.console.Log;
import io.igdstream.core.data.Augmentation;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.train.TrainSettings;
import io.igdstream.schemas.SnapshotVerifier;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.augment.AdversarialExamples;
import io.igdstream.streams.augment.AugmentSettings;
import io.igdstream.streams.augment.AugmentStage;
import io.igdstream.streams.metrics.StreamMetrics;
import io.igdstream.streams.snapshot.SnapshotFollower;
import org.apache.pekko.actor.ActorSystem;

/** The augment role: a teacher and the configuration made into the running augment stream. */
public final class AugmentRole {

  private AugmentRole() {}

  /**
   * The follower of the trainer's snapshots that augment attacks the newest of; it loads only
   * snapshots signed by the key of igd.snapshots.verify-key when that is set.
   */
  public static SnapshotFollower follower(
      KafkaSettings kafka, TopicNames topics, Config config, StreamMetrics metrics) {
    return SnapshotFollower.start(
        kafka,
        topics,
        config.getString("igd.trainer.model-id"),
        "augment",
        metrics,
        SnapshotVerifier.fromConfig(config));
  }

  /** The augment numerics for a teacher under the configuration. */
  public static AdversarialExamples examples(Classifier teacher, Config config) {
    TrainSettings train = TrainSettings.fromConfig(config);
    var spec = teacher.spec();
    Augmentation augmentation =
        Augmentation.forSetting(train.augmentation(), spec.channels(), spec.height(), spec.width());
    return new AdversarialExamples(
        teacher,
        train.attack(spec.channels(), train.attackConfig().trainSteps()),
        train.igd(),
        augmentation,
        train.seed(),
        config.getString("igd.trainer.model-id"));
  }

  /** Starts the augment stream; it runs until its epochs are done or it is stopped. */
  public static AugmentStage start(
      ActorSystem system,
      KafkaSettings kafka,
      TopicNames topics,
      Config config,
      Classifier teacher,
      SnapshotFollower follower,
      StreamMetrics metrics,
      Log log) {
    AugmentSettings settings = AugmentSettings.fromConfig(config);
    var spec = teacher.spec();
    return AugmentStage.start(
        system,
        kafka,
        topics,
        settings,
        examples(teacher, config),
        follower,
        metrics,
        new int[] {spec.channels(), spec.height(), spec.width()},
        spec.classes(),
        log::info);
  }
}
