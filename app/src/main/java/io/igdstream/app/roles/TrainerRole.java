package io.igdstream.app.roles;

import com.typesafe.config.Config;
import io.igdstream.app.console.Log;
import io.igdstream.app.console.TrainingProgress;
import io.igdstream.core.io.CheckpointDirectory;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import io.igdstream.core.train.TrainSettings;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.trainer.KafkaTrainer;
import io.igdstream.trainer.TrainerMetrics;
import io.igdstream.trainer.TrainerSettings;
import io.igdstream.trainer.TrainingSplit;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** The trainer role: the Kafka-fed IGD trainer of a run directory, and its model file. */
public final class TrainerRole {

  private TrainerRole() {}

  /** A trainer that checkpoints under {@code out}/checkpoints and resumes from there. */
  public static KafkaTrainer create(
      Config config,
      KafkaSettings kafka,
      TopicNames topics,
      Architecture architecture,
      TrainingSplit split,
      Path out,
      TrainerMetrics metrics,
      Log log) {
    TrainerSettings settings = TrainerSettings.fromConfig(config);
    TrainSettings train = TrainSettings.fromConfig(config);
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
        new KafkaTrainer.Listener() {
          private long lastLine = System.nanoTime();
          private long lastTrained = -1;

          @Override
          public void onStep(KafkaTrainer.Progress p) {
            long now = System.nanoTime();
            if (now - lastLine < 10_000_000_000L) {
              return;
            }
            double rate =
                lastTrained < 0
                    ? Double.NaN
                    : (p.trained() - lastTrained) / ((now - lastLine) / 1e9);
            long total = (long) split.samples() * p.epochs();
            log.info(
                String.format(
                    Locale.ROOT,
                    "trainer: step %d/%d, v%d, epoch %d/%d, %d/%d trained (%.0f/s, ETA %s), %s, lr %.3g, %d dup, %d stale (max %d)",
                    p.step(),
                    p.totalSteps(),
                    p.version(),
                    Math.min(p.epoch() + 1, p.epochs()),
                    p.epochs(),
                    p.trained(),
                    total,
                    rate,
                    Double.isNaN(rate) || rate <= 0
                        ? "?"
                        : String.format(Locale.ROOT, "%.1f min", (total - p.trained()) / rate / 60),
                    TrainingProgress.terms(p.terms()),
                    p.learningRate(),
                    p.duplicates(),
                    p.stale(),
                    p.maxStaleness()));
            lastLine = now;
            lastTrained = p.trained();
          }

          @Override
          public void onMessage(String message) {
            log.info(message);
          }
        });
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
