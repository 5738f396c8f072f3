package io.igdstream.app.roles;

import com.typesafe.config.Config;
import io.igdstream.app.console.Log;
import io.igdstream.core.io.CheckpointDirectory;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import io.igdstream.core.train.TrainSettings;
import io.igdstream.schemas.SnapshotSigner;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.trainer.KafkaTrainer;
import io.igdstream.trainer.TrainerMetrics;
import io.igdstream.trainer.TrainerSettings;
import io.igdstream.trainer.TrainingSplit;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The trainer role: the Kafka-fed IGD trainer of a run directory, and its model file. */
public final class TrainerRole {

  private TrainerRole() {}

  /**
   * A trainer that checkpoints under {@code out}/checkpoints and resumes from there, telling {@code
   * listener} of its steps and messages.
   */
  public static KafkaTrainer create(
      Config config,
      KafkaSettings kafka,
      TopicNames topics,
      Architecture architecture,
      TrainingSplit split,
      Path out,
      TrainerMetrics metrics,
      KafkaTrainer.Listener listener,
      Log log) {
    TrainerSettings settings = TrainerSettings.fromConfig(config);
    TrainSettings train = TrainSettings.fromConfig(config);
    Optional<SnapshotSigner> signer = SnapshotSigner.fromConfig(config);
    log.info(
        "trainer: snapshots "
            + (signer.isPresent() ? "signed (" + SnapshotSigner.CONFIG_KEY + ")" : "unsigned"));
    log.info(
        String.format(
            Locale.ROOT,
            "trainer: %d training samples of %s (%s), %s, %d epochs, batch %d, lambda %.2f, snapshot every %d steps",
            split.samples(),
            split.dataset(),
            split.spec(),
            architecture.id(),
            train.epochs(),
            train.batchSize(),
            train.igd().lambda(),
            settings.snapshotEvery()));
    return new KafkaTrainer(
        settings,
        train,
        kafka,
        topics,
        architecture,
        split,
        new CheckpointDirectory(out.resolve("checkpoints"), settings.keepCheckpoints()),
        metrics,
        listener,
        signer);
  }

  /** Writes the trained student as a model file. */
  public static void save(Classifier student, Path file, TrainingSplit split, Log log) {
    GradientThread.shared()
        .call(
            () -> {
              student.toModelFile(Map.of("method", "igd", "dataset", split.dataset())).write(file);
              return null;
            });
    log.info("saved " + file);
  }
}
