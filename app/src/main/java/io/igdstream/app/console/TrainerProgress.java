package io.igdstream.app.console;

import io.igdstream.trainer.KafkaTrainer;
import java.util.Locale;

/**
 * The progress of a Kafka-fed trainer: records trained of samples × epochs, with rate and ETA, and
 * the step's figures; the trainer's messages as log lines.
 */
public final class TrainerProgress implements KafkaTrainer.Listener, AutoCloseable {

  private final long samples;
  private final Log log;
  private Progress bar;

  /** Progress of a training split of {@code samples} samples. */
  public TrainerProgress(long samples, Log log) {
    this.samples = samples;
    this.log = log;
  }

  @Override
  public synchronized void onStep(KafkaTrainer.Progress p) {
    if (bar == null) {
      // started at the first step: what a resumed run restored is no progress of this run
      bar = Progress.start("trainer", samples * p.epochs(), p.trained(), "records", log);
    }
    bar.stepTo(p.trained(), step(p));
  }

  /** A step's figures, for a progress line. */
  public static String step(KafkaTrainer.Progress p) {
    return String.format(
        Locale.ROOT,
        "step %d/%d, v%d, epoch %d/%d, %s, lr %.3g, %d dup, %d stale (max %d)",
        p.step(),
        p.totalSteps(),
        p.version(),
        Math.min(p.epoch() + 1, p.epochs()),
        p.epochs(),
        TrainingProgress.terms(p.terms()),
        p.learningRate(),
        p.duplicates(),
        p.stale(),
        p.maxStaleness());
  }

  @Override
  public void onMessage(String message) {
    log.info(message);
  }

  @Override
  public synchronized void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
