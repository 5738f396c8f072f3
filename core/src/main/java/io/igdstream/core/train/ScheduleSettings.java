package io.igdstream.core.train;

import java.util.List;

/**
 * How the learning rate moves.
 *
 * @param kind {@code constant}, {@code multi-step} (×gamma at each milestone) or {@code plateau}
 *     (×gamma when the epoch's mean training loss has not improved by {@code threshold} (relative)
 *     for {@code patience} epochs, as the paper's ReduceLROnPlateau)
 * @param milestones multi-step milestones as fractions of the run's total steps, ascending in (0,
 *     1)
 * @param gamma the factor applied at each decay, in (0, 1]
 * @param patience plateau: epochs without improvement before a decay
 * @param threshold plateau: relative improvement that counts
 */
public record ScheduleSettings(
    String kind, List<Double> milestones, double gamma, int patience, double threshold) {

  public ScheduleSettings {
    if (!List.of("constant", "multi-step", "plateau").contains(kind)) {
      throw new IllegalArgumentException(
          "igd.train.schedule.kind must be constant, multi-step or plateau, was '" + kind + "'");
    }
    milestones = List.copyOf(milestones);
    double last = 0;
    for (double m : milestones) {
      if (!(m > last && m < 1)) {
        throw new IllegalArgumentException(
            "igd.train.schedule.milestones must be ascending fractions in (0, 1), was "
                + milestones);
      }
      last = m;
    }
    if (!(gamma > 0 && gamma <= 1)) {
      throw new IllegalArgumentException(
          "igd.train.schedule.gamma must be in (0, 1], was " + gamma);
    }
    if (patience < 0) {
      throw new IllegalArgumentException(
          "igd.train.schedule.patience must be >= 0, was " + patience);
    }
    if (!(threshold >= 0 && threshold < 1)) {
      throw new IllegalArgumentException(
          "igd.train.schedule.threshold must be in [0, 1), was " + threshold);
    }
  }
}
