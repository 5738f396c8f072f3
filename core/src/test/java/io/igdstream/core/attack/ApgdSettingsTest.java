package io.igdstream.core.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** APGD's settings: defaults, the checkpoint schedule by hand, and each rejection by name. */
class ApgdSettingsTest {

  @Test
  void standardVersionDefaults() {
    ApgdSettings s = ApgdSettings.standard(Norm.LINF, 0.1);
    assertEquals(100, s.iterations());
    assertEquals(1, s.restarts());
    assertEquals(0.75, s.rho());
    assertEquals(9, s.targets());
    assertEquals(2.0, ApgdSettings.defaults(Norm.L2, 1).eps());
    assertEquals(8.0 / 255, ApgdSettings.defaults(Norm.LINF, 3).eps());
  }

  @Test
  void checkpointsForOneHundredIterations() {
    // Windows 22, then 22 − 3 = 19, 16, 13, 10, 7, then max(4, 6) = 6, 6: the checkpoints fall
    // after iterations 22, 41, 57, 70, 80, 87, 93, 99 (the paper's ⌈p_j·100⌉), i.e. at the 0-based
    // loop indices one lower; the next window (6) would end after iteration 105 > 100.
    assertEquals(22, ApgdSettings.firstWindow(100));
    assertEquals(6, ApgdSettings.minWindow(100));
    assertEquals(3, ApgdSettings.windowDecrease(100));
    assertEquals(List.of(21, 40, 56, 69, 79, 86, 92, 98), ApgdSettings.checkpoints(100));
  }

  @Test
  void checkpointsForTenIterationsFallAtEveryStepAfterTheFirstWindow() {
    // ⌊2.2⌋ = 2, ⌊0.6⌋ → 1, ⌊0.3⌋ → 1: first after 2 iterations, then windows of 1
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9), ApgdSettings.checkpoints(10));
  }

  @Test
  void checkpointsForTwentyIterations() {
    // ⌊4.4⌋ = 4, min ⌊1.2⌋ = 1, decrease max(⌊0.6⌋, 1) = 1: windows 4, 3, 2, 1, 1, …
    List<Integer> expected = new ArrayList<>(List.of(3, 6, 8));
    for (int i = 9; i < 20; i++) {
      expected.add(i);
    }
    assertEquals(expected, ApgdSettings.checkpoints(20));
  }

  @Test
  void checkpointsForOneAndFiveIterations() {
    assertEquals(List.of(0), ApgdSettings.checkpoints(1));
    // ⌊1.1⌋ = 1: a checkpoint at every iteration
    assertEquals(List.of(0, 1, 2, 3, 4), ApgdSettings.checkpoints(5));
  }

  @Test
  void eachInvalidFieldIsRejectedByName() {
    assertRejected("norm", () -> new ApgdSettings(null, 0.1, 100, 1, 0.75, 9));
    assertRejected("eps", () -> new ApgdSettings(Norm.LINF, -0.1, 100, 1, 0.75, 9));
    assertRejected("eps", () -> new ApgdSettings(Norm.LINF, 1.5, 100, 1, 0.75, 9));
    assertRejected("eps", () -> new ApgdSettings(Norm.L2, Double.NaN, 100, 1, 0.75, 9));
    assertRejected(
        "eps", () -> new ApgdSettings(Norm.L2, Double.POSITIVE_INFINITY, 100, 1, .75, 9));
    assertRejected("iterations", () -> new ApgdSettings(Norm.LINF, 0.1, 0, 1, 0.75, 9));
    assertRejected("restarts", () -> new ApgdSettings(Norm.LINF, 0.1, 100, 0, 0.75, 9));
    assertRejected("rho", () -> new ApgdSettings(Norm.LINF, 0.1, 100, 1, 1.5, 9));
    assertRejected("rho", () -> new ApgdSettings(Norm.LINF, 0.1, 100, 1, -0.1, 9));
    assertRejected("targets", () -> new ApgdSettings(Norm.LINF, 0.1, 100, 1, 0.75, 0));
    assertRejected("iterations", () -> ApgdSettings.checkpoints(0));
  }

  @Test
  void l2AcceptsARadiusAboveOne() {
    assertEquals(2.0, new ApgdSettings(Norm.L2, 2.0, 100, 1, 0.75, 9).eps());
  }

  private static void assertRejected(String key, Supplier<?> construct) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construct::get);
    assertTrue(e.getMessage().startsWith(key + " must be"), e.getMessage());
  }
}
