package io.igdstream.core.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * APGD-CE and APGD-T as whole attacks on toy models whose logits are the pixels: which points are
 * attacked by which run, what comes back, the target order, and the class-count limits.
 */
class ApgdAttackTest {

  private static final int N = 5; // iterations per run: n + 1 gradient passes

  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  private NDArray images(int pixels, float... values) {
    return manager.create(values, new Shape(values.length / pixels, 1, 1, pixels));
  }

  private static ApgdSettings settings(int restarts, int targets) {
    return new ApgdSettings(Norm.LINF, 0.1, N, restarts, 0.75, targets);
  }

  @Test
  void apgdCeAttacksOnlyThePointsStillRobustAndReturnsXForTheOthers() {
    // Logits = pixels, label 0 everywhere. Row 0 (0.5, 0.45): correct, a 0.05 gap, fooled by the
    // first run. Row 1 (0.9, 0.1): correct, a 0.8 gap > 2ε: never fooled, so it comes back as x.
    // Row 2 (0.3, 0.6): a clean error, never attacked, returned as x.
    AutogradToyModel model = AutogradToyModel.identity(2);
    NDArray x = images(2, 0.5f, 0.45f, 0.9f, 0.1f, 0.3f, 0.6f);
    NDArray y = manager.create(new long[] {0, 0, 0});
    float[] adv = new ApgdCe(settings(3, 9)).perturb(model, x, y, 1).toFloatArray();
    assertTrue(adv[0] < adv[1], "row 0 must come back misclassified: " + adv[0] + ", " + adv[1]);
    assertTrue(Math.abs(adv[0] - 0.5f) <= 0.1f + 1e-6 && Math.abs(adv[1] - 0.45f) <= 0.1f + 1e-6);
    assertArrayEquals(
        new float[] {0.9f, 0.1f, 0.3f, 0.6f}, java.util.Arrays.copyOfRange(adv, 2, 6));
    // run 1 on rows {0, 1}, runs 2 and 3 on row 1 only: (n + 1) passes each
    List<Long> expected = new ArrayList<>(Collections.nCopies(N + 1, 2L));
    expected.addAll(Collections.nCopies(2 * (N + 1), 1L));
    assertEquals(expected, model.gradientBatchSizes);
  }

  @Test
  void apgdCeWithNothingToAttackReturnsACopyOfX() {
    AutogradToyModel model = AutogradToyModel.identity(2);
    NDArray x = images(2, 0.3f, 0.6f);
    NDArray adv = new ApgdCe(settings(1, 9)).perturb(model, x, manager.create(new long[] {0}), 1);
    assertArrayEquals(x.toFloatArray(), adv.toFloatArray(), 0f);
    assertEquals(0, model.gradientCalls);
  }

  @Test
  void theSeedFixesTheRandomStartAndSoTheResult() {
    // ℓ∞ sign steps of 2ε reach the same box corner from any start on this linear model, so use
    // ℓ2, where start + step, projected back onto the ball, still depends on the start
    AutogradToyModel model = AutogradToyModel.identity(4);
    NDArray x = images(4, 0.5f, 0.48f, 0.3f, 0.2f);
    NDArray y = manager.create(new long[] {0});
    ApgdCe attack = new ApgdCe(new ApgdSettings(Norm.L2, 0.1, N, 1, 0.75, 9));
    float[] a = attack.perturb(model, x, y, 1).toFloatArray();
    float[] b = attack.perturb(model, x, y, 2).toFloatArray();
    assertArrayEquals(a, attack.perturb(model, x, y, 1).toFloatArray(), 0f);
    assertFalse(java.util.Arrays.equals(a, b));
  }

  @Test
  void apgdTargetedRunsOneTargetAfterAnotherOnThePointsStillRobust() {
    // K = 4, label 0. Row 0 (0.6, 0.5, 0.2, 0.1): fooled in the first target's run. Row 1
    // (0.9, 0.1, 0.05, 0): unfoolable at ε = 0.1, attacked for all 3 targets (K − 1 < 9).
    AutogradToyModel model = AutogradToyModel.identity(4);
    NDArray x = images(4, 0.6f, 0.5f, 0.2f, 0.1f, 0.9f, 0.1f, 0.05f, 0f);
    NDArray y = manager.create(new long[] {0, 0});
    ApgdTargeted attack = new ApgdTargeted(settings(1, 9));
    assertEquals(3, attack.targetCount(4));
    float[] adv = attack.perturb(model, x, y, 1).toFloatArray();
    assertTrue(adv[0] < Math.max(adv[1], Math.max(adv[2], adv[3])), "row 0 fooled");
    assertArrayEquals(new float[] {0.9f, 0.1f, 0.05f, 0f}, java.util.Arrays.copyOfRange(adv, 4, 8));
    List<Long> expected = new ArrayList<>(Collections.nCopies(N + 1, 2L));
    expected.addAll(Collections.nCopies(2 * (N + 1), 1L));
    assertEquals(expected, model.gradientBatchSizes);
  }

  @Test
  void targetsGoFromTheSecondHighestCleanLogitDown() {
    // logits [0.1, 0.7, 0.4, 0.9, 0.2] with y = 3 on top: targets 1 (0.7), 2 (0.4), 4 (0.2), 0
    // (0.1)
    float[][] clean = {{0.1f, 0.7f, 0.4f, 0.9f, 0.2f}, {1, 3, 3, 0, 5}};
    long[] row0 = {0};
    long[] order = new long[4];
    for (int rank = 2; rank <= 5; rank++) {
      order[rank - 2] = ApgdTargeted.targets(clean, row0, rank)[0];
    }
    assertArrayEquals(new long[] {1, 2, 4, 0}, order);
    // ties: logits 3 at classes 1 and 2 rank the higher index higher (stable ascending sort):
    // ascending [3, 0, 1, 2, 4], so rank 2 → class 2, rank 3 → class 1
    assertArrayEquals(new long[] {2}, ApgdTargeted.targets(clean, new long[] {1}, 2));
    assertArrayEquals(new long[] {1}, ApgdTargeted.targets(clean, new long[] {1}, 3));
    // rank 1 is the top class, row by row
    assertArrayEquals(
        new long[] {3, 4, 4, 3}, ApgdTargeted.targets(clean, new long[] {0, 1, 1, 0}, 1));
  }

  @Test
  void apgdTargetedNeedsFourClassesAndCapsTheTargets() {
    assertFalse(ApgdTargeted.applicable(3));
    assertTrue(ApgdTargeted.applicable(4));
    ApgdTargeted attack = new ApgdTargeted(settings(1, 9));
    assertEquals(9, attack.targetCount(10));
    assertEquals(9, attack.targetCount(100));
    assertEquals(3, new ApgdTargeted(settings(1, 3)).targetCount(10));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                attack.perturb(
                    AutogradToyModel.identity(3),
                    images(3, 0.5f, 0.2f, 0.1f),
                    manager.create(new long[] {0}),
                    1));
    assertTrue(e.getMessage().contains("at least 4 classes"), e.getMessage());
  }

  @Test
  void apgdCeRunsInL2TooAndStaysInTheBall() {
    AutogradToyModel model = AutogradToyModel.identity(4);
    NDArray x = images(4, 0.5f, 0.45f, 0.3f, 0.2f, 0.9f, 0.1f, 0.05f, 0f);
    NDArray y = manager.create(new long[] {0, 0});
    ApgdSettings l2 = new ApgdSettings(Norm.L2, 0.15, N, 1, 0.75, 9);
    NDArray adv = new ApgdCe(l2).perturb(model, x, y, 4);
    double[] norms = Norm.L2.of(adv.sub(x));
    assertTrue(norms[0] > 0 && norms[0] <= 0.15 + 1e-6, "row 0 moved " + norms[0]);
    assertEquals(0.0, norms[1], 0.0, "row 1 (gap 0.8) is not fooled and comes back as x");
    assertNotEquals(0L, adv.reshape(2, 4).argMax(1).toLongArray()[0], "row 0 fooled");
  }
}
