package io.igdstream.app;

import com.typesafe.config.Config;
import io.igdstream.app.console.Log;
import io.igdstream.core.data.Augmentation;
import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import io.igdstream.core.train.TrainSettings;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.augment.AdversarialExamples;
import io.igdstream.streams.augment.AugmentSettings;
import io.igdstream.streams.augment.AugmentStage;
import io.igdstream.streams.kafka.TopicAdmin;
import io.igdstream.streams.kafka.TopicsSettings;
import io.igdstream.streams.metrics.StreamMetrics;
import io.igdstream.streams.snapshot.SnapshotFollower;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;

/** Building blocks the role commands and the pipeline share. */
final class Roles {

  private Roles() {}

  /** A Pekko actor system configured from the merged configuration (its pekko section). */
  static ActorSystem actorSystem(Config config) {
    return io.igdstream.streams.PekkoSystems.create("igd", config);
  }

  static void terminate(ActorSystem system) {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // shutting down anyway
    }
  }

  /** Creates the six topics of the prefix if missing and waits until they take records. */
  static void ensureTopics(KafkaSettings kafka, Config config, TopicNames topics)
      throws InterruptedException {
    TopicAdmin.ensure(
        kafka.bootstrapServers(),
        TopicsSettings.fromConfig(config).specs(topics),
        Duration.ofSeconds(60));
  }

  /** Reads a teacher model file, checking it exists; the caller closes the model. */
  static Classifier loadTeacher(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new BadInputException("--teacher " + file + " does not exist");
    }
    Checkpoint c = Checkpoint.read(file);
    return GradientThread.shared()
        .call(
            () -> {
              Classifier model = Classifier.load(c);
              model.freeze();
              return model;
            });
  }

  /** The augment numerics for a teacher under the configuration. */
  static AdversarialExamples examples(Classifier teacher, Config config) {
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

  static AugmentStage startAugment(
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
