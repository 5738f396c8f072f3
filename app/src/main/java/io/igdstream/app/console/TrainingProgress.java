package io.igdstream.app.console;

import io.igdstream.core.train.LocalTrainer;
import io.igdstream.core.train.StepTerms;
import java.util.Locale;

/** The progress of an in-process training run (steps, rate, ETA) and its log lines. */
public final class TrainingProgress implements LocalTrainer.Listener, AutoCloseable {

  private final String task;
  private final Log log;
  private Progress bar;

  public TrainingProgress(String task, Log log) {
    this.task = task;
    this.log = log;
  }

  @Override
  public void onStart(long firstStep, long totalSteps) {
    bar = Progress.start(task, totalSteps, firstStep, "steps", log);
  }

  @Override
  public void onStep(LocalTrainer.Progress p) {
    bar.stepTo(
        p.step(),
        String.format(
            Locale.ROOT,
            "epoch %d/%d %s lr %.3g",
            p.epoch() + 1,
            p.epochs(),
            terms(p.terms()),
            p.learningRate()));
  }

  @Override
  public void onEpochEnd(int epoch, double meanLoss) {
    log.info(String.format(Locale.ROOT, "epoch %d done: mean loss %.4f", epoch + 1, meanLoss));
  }

  @Override
  public void onMessage(String message) {
    log.info(message);
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }

  /** The loss terms of a step, for a progress line. */
  public static String terms(StepTerms t) {
    StringBuilder s =
        new StringBuilder(String.format(Locale.ROOT, "loss %.4f ce %.4f", t.total(), t.ce()));
    if (!Double.isNaN(t.cos())) {
      s.append(String.format(Locale.ROOT, " cos %.4f", t.cos()));
    }
    if (!Double.isNaN(t.kl())) {
      s.append(String.format(Locale.ROOT, " kl %.4f", t.kl()));
    }
    return s.toString();
  }
}
