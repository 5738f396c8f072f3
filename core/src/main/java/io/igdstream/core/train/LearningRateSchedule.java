package io.igdstream.core.train;

import java.util.Map;

/**
 * The learning rate at each step. Multi-step is a pure function of the step; plateau keeps a little
 * state (current rate, best loss, epochs without improvement) that checkpoints carry, so a resumed
 * run decays exactly when the uninterrupted one would.
 */
public final class LearningRateSchedule {

  private final ScheduleSettings settings;
  private final double base;
  private final long totalSteps;
  private double plateauRate;
  private double bestLoss = Double.POSITIVE_INFINITY;
  private int badEpochs;

  public LearningRateSchedule(ScheduleSettings settings, double baseRate, long totalSteps) {
    this.settings = settings;
    this.base = baseRate;
    this.totalSteps = totalSteps;
    this.plateauRate = baseRate;
  }

  /** The rate for global step {@code step} (0-based). */
  public double rate(long step) {
    return switch (settings.kind()) {
      case "multi-step" -> {
        double rate = base;
        for (double milestone : settings.milestones()) {
          if (step >= Math.round(milestone * totalSteps)) {
            rate *= settings.gamma();
          }
        }
        yield rate;
      }
      case "plateau" -> plateauRate;
      default -> base;
    };
  }

  /** Tells the schedule an epoch ended with this mean training loss (plateau decides here). */
  public void epochEnded(double meanLoss) {
    if (!settings.kind().equals("plateau")) {
      return;
    }
    if (meanLoss < bestLoss * (1 - settings.threshold())) {
      bestLoss = meanLoss;
      badEpochs = 0;
    } else if (++badEpochs > settings.patience()) {
      plateauRate *= settings.gamma();
      badEpochs = 0;
    }
  }

  /** The state a checkpoint keeps. */
  public Map<String, String> state() {
    return Map.of(
        "plateau_rate", Double.toString(plateauRate),
        "best_loss", Double.toString(bestLoss),
        "bad_epochs", Integer.toString(badEpochs));
  }

  /** Restores {@link #state()}. */
  public void restore(Map<String, String> state) {
    plateauRate = Double.parseDouble(state.getOrDefault("plateau_rate", Double.toString(base)));
    bestLoss = Double.parseDouble(state.getOrDefault("best_loss", "Infinity"));
    badEpochs = Integer.parseInt(state.getOrDefault("bad_epochs", "0"));
  }
}
