package io.igdstream.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** LearningRateSchedule on hand-computed sequences; ScheduleSettings' rejections. */
class LearningRateScheduleTest {

  private static final double TOL = 1e-15;

  private static ScheduleSettings multiStep(List<Double> milestones, double gamma) {
    return new ScheduleSettings("multi-step", milestones, gamma, 0, 0);
  }

  private static ScheduleSettings plateau(int patience, double threshold, double gamma) {
    return new ScheduleSettings("plateau", List.of(), gamma, patience, threshold);
  }

  @Test
  void multiStepDecaysByGammaAtEachMilestoneFractionOfTotalSteps() {
    var schedule = new LearningRateSchedule(multiStep(List.of(0.5, 0.75), 0.1), 0.1, 100);
    // milestones at round(0.5·100) = 50 and round(0.75·100) = 75
    assertEquals(0.1, schedule.rate(0), TOL);
    assertEquals(0.1, schedule.rate(49), TOL);
    assertEquals(0.01, schedule.rate(50), TOL);
    assertEquals(0.01, schedule.rate(74), TOL);
    assertEquals(0.001, schedule.rate(75), TOL);
    assertEquals(0.001, schedule.rate(99), TOL);
  }

  @Test
  void multiStepRoundsTheMilestoneStepHalfUp() {
    var schedule = new LearningRateSchedule(multiStep(List.of(0.25), 0.5), 1.0, 10);
    // 0.25·10 = 2.5 → Math.round = 3: steps 0..2 at 1.0, from 3 on at 0.5
    assertEquals(1.0, schedule.rate(2), TOL);
    assertEquals(0.5, schedule.rate(3), TOL);
  }

  @Test
  void multiStepWithoutMilestonesIsConstant() {
    var schedule = new LearningRateSchedule(multiStep(List.of(), 0.1), 0.05, 10);
    assertEquals(0.05, schedule.rate(0), TOL);
    assertEquals(0.05, schedule.rate(9), TOL);
  }

  @Test
  void constantIgnoresStepsAndEpochLosses() {
    var schedule =
        new LearningRateSchedule(
            new ScheduleSettings("constant", List.of(0.5), 0.1, 0, 0), 0.05, 10);
    for (int epoch = 0; epoch < 5; epoch++) {
      schedule.epochEnded(1.0); // never improves: would decay a plateau schedule with patience 0
    }
    assertEquals(0.05, schedule.rate(0), TOL);
    assertEquals(0.05, schedule.rate(9), TOL);
  }

  @Test
  void multiStepIgnoresEpochLosses() {
    var schedule = new LearningRateSchedule(multiStep(List.of(0.5), 0.1), 0.1, 10);
    for (int epoch = 0; epoch < 5; epoch++) {
      schedule.epochEnded(1.0);
    }
    assertEquals(0.1, schedule.rate(4), TOL);
    assertEquals(0.01, schedule.rate(5), TOL);
  }

  /** Feeds the losses and returns the rate after each epoch. */
  private static List<Double> feed(LearningRateSchedule schedule, double... losses) {
    List<Double> rates = new ArrayList<>();
    for (double loss : losses) {
      schedule.epochEnded(loss);
      rates.add(schedule.rate(0));
    }
    return rates;
  }

  @Test
  void plateauDecaysAfterMoreThanPatienceEpochsWithoutRelativeImprovement() {
    var schedule = new LearningRateSchedule(plateau(2, 0.1, 0.5), 1.0, 1000);
    assertEquals(1.0, schedule.rate(0), TOL);
    // improvement means loss < best·(1 − 0.1):
    // 1.0  < ∞      → best 1.0, bad 0        rate 1
    // 0.95 ≥ 0.9    → bad 1                  rate 1
    // 0.8  < 0.9    → best 0.8, bad 0        rate 1
    // 0.79 ≥ 0.72   → bad 1                  rate 1
    // 0.75          → bad 2 (not > 2)        rate 1
    // 0.74          → bad 3 > 2: ×0.5, bad 0 rate 0.5
    // 0.9, 0.9      → bad 1, 2               rate 0.5
    // 0.9           → bad 3: ×0.5            rate 0.25
    // 0.7  < 0.72   → best 0.7, bad 0        rate 0.25
    assertEquals(
        List.of(1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25),
        feed(schedule, 1.0, 0.95, 0.8, 0.79, 0.75, 0.74, 0.9, 0.9, 0.9, 0.7));
  }

  @Test
  void plateauWithPatienceZeroDecaysOnEveryNonImprovingEpoch() {
    var schedule = new LearningRateSchedule(plateau(0, 0, 0.1), 0.1, 1000);
    // 2 (best) · 2 (bad 1 > 0: ×0.1) · 1 (best) · 1 (equal is no improvement: ×0.1)
    List<Double> rates = feed(schedule, 2, 2, 1, 1);
    assertEquals(0.1, rates.get(0), TOL);
    assertEquals(0.01, rates.get(1), TOL);
    assertEquals(0.01, rates.get(2), TOL);
    assertEquals(0.001, rates.get(3), TOL);
  }

  @Test
  void plateauRateDoesNotDependOnTheStep() {
    var schedule = new LearningRateSchedule(plateau(0, 0, 0.5), 1.0, 10);
    feed(schedule, 1, 1); // second epoch: bad 1 > 0 → 0.5
    assertEquals(0.5, schedule.rate(0), TOL);
    assertEquals(0.5, schedule.rate(1_000_000), TOL);
  }

  @Test
  void restoredPlateauStateDecaysExactlyWhenTheUninterruptedScheduleDoes() {
    ScheduleSettings settings = plateau(2, 0.1, 0.5);
    var uninterrupted = new LearningRateSchedule(settings, 1.0, 1000);
    // after these: rate 0.5 (decayed at 0.74), best 0.8, bad 1 (0.9 was no improvement)
    feed(uninterrupted, 1.0, 0.95, 0.8, 0.79, 0.75, 0.74, 0.9);
    Map<String, String> state = uninterrupted.state();

    var resumed = new LearningRateSchedule(settings, 1.0, 1000);
    resumed.restore(state);
    assertEquals(uninterrupted.rate(0), resumed.rate(0), 0.0);
    double[] tail = {0.9, 0.9, 0.7, 0.71, 0.72, 0.73};
    // resumed (rate 0.5, best 0.8, bad 1): 0.9 bad 2; 0.9 bad 3 → 0.25; 0.7 < 0.72 best 0.7;
    // 0.71, 0.72 ≥ 0.63: bad 1, 2; 0.73 bad 3 → 0.125
    List<Double> expected = List.of(0.5, 0.25, 0.25, 0.25, 0.25, 0.125);
    assertEquals(expected, feed(resumed, tail));
    assertEquals(expected, feed(uninterrupted, tail));
    // a fresh schedule on the same tail: 0.9 best; 0.9 bad 1; 0.7 < 0.81 best; 0.71, 0.72, 0.73
    // bad 1, 2, 3 → 0.5 — so the restored state is what made the difference
    assertEquals(
        List.of(1.0, 1.0, 1.0, 1.0, 1.0, 0.5),
        feed(new LearningRateSchedule(settings, 1.0, 1000), tail));
  }

  @Test
  void stateOfAFreshScheduleRestoresToAFreshSchedule() {
    ScheduleSettings settings = plateau(1, 0, 0.5);
    var fresh = new LearningRateSchedule(settings, 1.0, 10);
    var restored = new LearningRateSchedule(settings, 1.0, 10);
    restored.restore(fresh.state()); // best_loss "Infinity" must parse back
    double[] losses = {3, 3, 3, 2, 2, 2};
    // 3 best; 3 bad 1; 3 bad 2 > 1 → 0.5; 2 best; 2 bad 1; 2 bad 2 → 0.25
    List<Double> expected = List.of(1.0, 1.0, 0.5, 0.5, 0.5, 0.25);
    assertEquals(expected, feed(fresh, losses));
    assertEquals(expected, feed(restored, losses));
  }

  @Test
  void restoreOfAnEmptyStateStartsFromTheBaseRate() {
    var schedule = new LearningRateSchedule(plateau(0, 0, 0.5), 0.2, 10);
    feed(schedule, 1, 1); // decays to 0.1
    schedule.restore(Map.of());
    assertEquals(0.2, schedule.rate(0), TOL);
    // best is ∞ again: 5 is an improvement, no decay
    schedule.epochEnded(5);
    assertEquals(0.2, schedule.rate(0), TOL);
  }

  private static void assertRejected(String key, Runnable construct) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construct::run);
    assertTrue(e.getMessage().contains(key), "message names " + key + ": " + e.getMessage());
  }

  @Test
  void settingsRejectAnUnknownKind() {
    assertRejected("schedule.kind", () -> new ScheduleSettings("cosine", List.of(), 0.1, 0, 0));
  }

  @Test
  void settingsRejectDescendingMilestones() {
    assertRejected(
        "schedule.milestones",
        () -> new ScheduleSettings("multi-step", List.of(0.75, 0.5), 0.1, 0, 0));
  }

  @Test
  void settingsRejectRepeatedMilestones() {
    assertRejected(
        "schedule.milestones",
        () -> new ScheduleSettings("multi-step", List.of(0.5, 0.5), 0.1, 0, 0));
  }

  @Test
  void settingsRejectAMilestoneOfZero() {
    assertRejected(
        "schedule.milestones", () -> new ScheduleSettings("multi-step", List.of(0.0), 0.1, 0, 0));
  }

  @Test
  void settingsRejectAMilestoneOfOne() {
    assertRejected(
        "schedule.milestones",
        () -> new ScheduleSettings("multi-step", List.of(0.5, 1.0), 0.1, 0, 0));
  }

  @Test
  void settingsRejectGammaZero() {
    assertRejected(
        "schedule.gamma", () -> new ScheduleSettings("multi-step", List.of(0.5), 0, 0, 0));
  }

  @Test
  void settingsRejectGammaAboveOne() {
    assertRejected(
        "schedule.gamma", () -> new ScheduleSettings("multi-step", List.of(0.5), 1.5, 0, 0));
  }

  @Test
  void settingsAcceptGammaOne() {
    var schedule =
        new LearningRateSchedule(
            new ScheduleSettings("multi-step", List.of(0.5), 1.0, 0, 0), 0.3, 10);
    assertEquals(0.3, schedule.rate(9), TOL);
  }

  @Test
  void settingsRejectNegativePatience() {
    assertRejected(
        "schedule.patience", () -> new ScheduleSettings("plateau", List.of(), 0.1, -1, 0));
  }

  @Test
  void settingsRejectNegativeThreshold() {
    assertRejected(
        "schedule.threshold", () -> new ScheduleSettings("plateau", List.of(), 0.1, 0, -1e-4));
  }
}
