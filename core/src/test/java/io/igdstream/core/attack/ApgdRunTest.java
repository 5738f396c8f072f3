package io.igdstream.core.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One APGD run, step by step, on 1×1×2 "images" (u, v) and a toy model whose loss is −(u − c)²: the
 * sign steps, momentum, both step-size conditions, the restarts from the best point and the first
 * checkpoint's wrapped index, all worked out by hand with dyadic numbers (exact in float32).
 */
class ApgdRunTest {

  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  /** One row of the trace: u before and after a restart, η after the checkpoint, its decision. */
  private record Step(float u, float v, float loss, float next, float step, Boolean reduced) {}

  private List<Step> trace(
      AutogradToyModel model,
      ApgdRun.Loss loss,
      NDArray x,
      NDArray y,
      int iterations,
      List<ApgdRun.Result> result) {
    ApgdRun run = new ApgdRun(new ApgdSettings(Norm.LINF, 0.125, iterations, 1, 0.75, 9));
    List<Step> steps = new ArrayList<>();
    ApgdRun.Trace trace =
        (i, iterate, l, next, eta, reduced) -> {
          float[] it = iterate.toFloatArray();
          float[] nx = next.toFloatArray();
          steps.add(
              new Step(it[0], it[1], l[0], nx[0], eta[0], reduced == null ? null : reduced[0]));
          assertEquals(steps.size() - 1, i);
        };
    result.add(run.run(model, x, y, loss, 0, x, trace, manager));
    return steps;
  }

  private NDArray images(float... uv) {
    return manager.create(uv, new Shape(uv.length / 2, 1, 1, 2));
  }

  private static ApgdRun.Loss secondLogit() {
    return logits -> logits.get(":, 1");
  }

  @Test
  void twentyIterationsHalveAndRestartWhereTheAlgorithmSays() {
    // x = (1/2, 1/2), ε = 1/8 (box u ∈ [3/8, 5/8]), start at x, η₀ = 2ε = 1/4, c = 13/32.
    // Loss −(u − c)², gradient sign(c − u) in u and 0 in v (so v never moves).
    // n = 20: checkpoints at i = 3 (k = 4, halve if rises ≤ 3), 6 (k = 3, ≤ 2.25), 8 (k = 2,
    // ≤ 1.5), then every i ≥ 9 (k = 1, ≤ 0.75: halve unless the last step raised the loss).
    // i=0: a = 1, z = P(1/2 − 1/4) = 3/8, u = 3/8 (|u − c| = 1/32: best so far, start had 3/32)
    // i=1: m = −1/8, z = P(3/8 + 1/4) = 5/8, u = 3/8 + ¾·(1/4) − ¼·(1/8) = 17/32
    // i=2: m = 5/32, z = 3/8, u = 17/32 − ¾·(5/32) + ¼·(5/32) = 29/64
    // i=3: m = −5/64, z = 3/8, u = 29/64 − ¾·(5/64) − ¼·(5/64) = 3/8 (= L(0), not strictly better)
    //   checkpoint: [L3 > L2] + [L2 > L1] + [L1 > L0] + [L0 > 0] = 1 + 1 + 0 + 0 = 2 ≤ 3 → η = 1/8,
    //   restart at the best point 3/8 (here the same point)
    // i=4: m = 3/8 − 29/64 = −5/64 (x_old is where iteration 3 began), z = 1/2,
    //   u = 3/8 + ¾·(1/8) − ¼·(5/64) = 115/256
    // i=5: m = 19/256, z = 3/8, u = 115/256 − ¾·(19/256) + ¼·(19/256) = 211/512 (|u − c| = 3/512,
    //   the new best)
    // i=6: m = −19/512, z = 3/8, u = 3/8; checkpoint k = 3: rises 0 + 1 + 0 = 1 ≤ 2.25 → η = 1/16,
    //   restart at 211/512 ≠ 3/8
    // i=7: m = 211/512 − 211/512 = 0, z = P(211/512 − 1/16) = 3/8, u = 787/2048
    // i=8: m = −57/2048, z = 915/2048, u = 3475/8192; checkpoint k = 2: rises [L8 > L7] = 1 (147 vs
    //   180 /8192) + [L7 > L6] = 1 → 2 > 1.5: no halving (condition 2 off: halved at i = 6)
    // i=9: m = 327/8192, z = 3/8, u = 6509/16384: rose (147/16384 < 147/8192) so condition 1 is
    //   off, but the best (3/512 = 96/16384 away) has not improved since i = 8, where η was kept:
    //   condition 2 halves → η = 1/32, restart at 211/512
    // i=10: u = 12637/32768, no rise → η = 1/64, restart at 211/512
    // i=11: u = 205/512 (as far from c as the best: no improvement, but a rise) → kept
    // i=12: u = 419/1024, the new best → kept; i=13: u = 1637/4096 → η = 1/128, back to 419/1024
    // … and so on with period 3 (computed the same way): 413/1024, 835/2048 kept; 3301/8192 halves
    // (→ 835/2048); 829/2048, 1667/4096 kept; 6629/16384 halves (→ 1667/4096).
    float[][] expected = {
      // u, η after, reduced (1 yes, 0 no, −1 no checkpoint), next
      {3 / 8f, 1 / 4f, -1, 3 / 8f},
      {17 / 32f, 1 / 4f, -1, 17 / 32f},
      {29 / 64f, 1 / 4f, -1, 29 / 64f},
      {3 / 8f, 1 / 8f, 1, 3 / 8f},
      {115 / 256f, 1 / 8f, -1, 115 / 256f},
      {211 / 512f, 1 / 8f, -1, 211 / 512f},
      {3 / 8f, 1 / 16f, 1, 211 / 512f},
      {787 / 2048f, 1 / 16f, -1, 787 / 2048f},
      {3475 / 8192f, 1 / 16f, 0, 3475 / 8192f},
      {6509 / 16384f, 1 / 32f, 1, 211 / 512f},
      {12637 / 32768f, 1 / 64f, 1, 211 / 512f},
      {205 / 512f, 1 / 64f, 0, 205 / 512f},
      {419 / 1024f, 1 / 64f, 0, 419 / 1024f},
      {1637 / 4096f, 1 / 128f, 1, 419 / 1024f},
      {413 / 1024f, 1 / 128f, 0, 413 / 1024f},
      {835 / 2048f, 1 / 128f, 0, 835 / 2048f},
      {3301 / 8192f, 1 / 256f, 1, 835 / 2048f},
      {829 / 2048f, 1 / 256f, 0, 829 / 2048f},
      {1667 / 4096f, 1 / 256f, 0, 1667 / 4096f},
      {6629 / 16384f, 1 / 512f, 1, 1667 / 4096f},
    };
    // Row 0 has label 0 (always classified correctly: z₁ ≤ 0 = z₀), row 1 label 1 (always wrong);
    // the loss ignores the label, so both rows follow the same path.
    AutogradToyModel model = AutogradToyModel.bump(13 / 32f, 13 / 32f);
    List<ApgdRun.Result> result = new ArrayList<>();
    List<Step> steps =
        trace(
            model,
            secondLogit(),
            images(0.5f, 0.5f, 0.5f, 0.5f),
            manager.create(new long[] {0, 1}),
            20,
            result);
    assertEquals(20, steps.size());
    for (int i = 0; i < 20; i++) {
      Step s = steps.get(i);
      String at = "iteration " + i;
      assertEquals(expected[i][0], s.u(), 0f, at + ": u");
      assertEquals(0.5f, s.v(), 0f, at + ": v has a zero gradient and must not move");
      float d = expected[i][0] - 13 / 32f;
      assertEquals(-d * d, s.loss(), 1e-12f, at + ": loss");
      assertEquals(expected[i][1], s.step(), 0f, at + ": step size");
      if (expected[i][2] < 0) {
        assertNull(s.reduced(), at + " is no checkpoint");
      } else {
        assertEquals(expected[i][2] == 1, s.reduced(), at + ": halving decision");
      }
      assertEquals(expected[i][3], s.next(), 0f, at + ": the next step's start");
    }
    assertEquals(20 + 1, model.gradientCalls, "one forward-backward pass per iteration + start");

    ApgdRun.Result r = result.get(0);
    // best: 1667/4096, 3/4096 from c; never strictly beaten afterwards
    float[] best = r.xBest().toFloatArray();
    assertArrayEquals(new float[] {1667 / 4096f, 0.5f, 1667 / 4096f, 0.5f}, best, 0f);
    assertArrayEquals(new float[] {-9f / (4096 * 4096), -9f / (4096 * 4096)}, r.lossBest(), 1e-15f);
    assertTrue(r.robust()[0]);
    assertFalse(r.robust()[1]);
    // x_best_adv: the start for the never-fooled row 0, the LAST iterate (i = 19, before its
    // restart) for row 1, which every iterate fools
    assertArrayEquals(
        new float[] {0.5f, 0.5f, 6629 / 16384f, 0.5f}, r.xBestAdv().toFloatArray(), 0f);
  }

  @Test
  void theFirstCheckpointComparesTheFirstLossWithZeroNotWithTheStart() {
    // n = 10: the first checkpoint is at i = 1 with k = 2 (halve if rises ≤ 1.5), counting
    // [L1 > L0] + [L0 > loss_steps[−1]], and the reference's loss_steps[−1] is a row still 0.
    // c = 15/32, start x = (1/2, 1/2), ε = 1/8: i=0 → u = 3/8 (|u − c| = 3/32, worse than the
    // start's 1/32), i=1 → m = −1/8, z = 5/8, u = 3/8 + 3/16 − 1/32 = 17/32 (1/16 away: a rise).
    // With loss −(u − c)² < 0: [L0 > 0] = 0, count 1 → halve, restart at the best = the start.
    // With loss 1 − (u − c)² > 0 (the same comparisons otherwise): [L0 > 0] = 1, count 2 → keep η.
    // (Comparing L0 with the start's loss instead would give 0 and halve in both cases.)
    NDArray x = images(0.5f, 0.5f);
    NDArray y = manager.create(new long[] {0});
    List<Step> negative =
        trace(AutogradToyModel.bump(15 / 32f), secondLogit(), x, y, 10, new ArrayList<>());
    List<Step> positive =
        trace(
            AutogradToyModel.bump(15 / 32f),
            logits -> logits.get(":, 1").add(1f),
            x,
            y,
            10,
            new ArrayList<>());
    for (List<Step> run : List.of(negative, positive)) {
      assertEquals(3 / 8f, run.get(0).u(), 0f);
      assertEquals(17 / 32f, run.get(1).u(), 0f);
    }
    assertEquals(Boolean.TRUE, negative.get(1).reduced());
    assertEquals(1 / 8f, negative.get(1).step(), 0f);
    assertEquals(0.5f, negative.get(1).next(), 0f, "restart at the best point, the start");
    assertEquals(Boolean.FALSE, positive.get(1).reduced());
    assertEquals(1 / 4f, positive.get(1).step(), 0f);
    assertEquals(17 / 32f, positive.get(1).next(), 0f);
  }

  @Test
  void theOscillationTestHalvesAtExactlyRhoTimesKRises() {
    // The reference halves when rises ≤ ρ·k (the paper writes <). The first trajectory of this
    // class with the loss shifted to 1 − (u − c)² (every comparison the same except the wrapped
    // one, now [L0 > 0] = 1) counts 1 + 1 + 0 + 1 = 3 = 0.75·4 rises at i = 3: still halved.
    List<Step> steps =
        trace(
            AutogradToyModel.bump(13 / 32f),
            logits -> logits.get(":, 1").add(1f),
            images(0.5f, 0.5f),
            manager.create(new long[] {0}),
            20,
            new ArrayList<>());
    assertEquals(3 / 8f, steps.get(3).u(), 0f);
    assertEquals(Boolean.TRUE, steps.get(3).reduced());
    assertEquals(1 / 8f, steps.get(3).step(), 0f);
  }

  @Test
  void l2StepsAlongTheNormalisedGradientOntoTheSphere() {
    // Logits = the pixels, loss z₀ + z₁: gradient (1, 1) everywhere. ε = 0.1 (ℓ2), start x:
    // i=0: x + 2ε·(1, 1)/√2 is 2ε away; projected back to x + ε·(1, 1)/√2, on the sphere.
    // Later steps cannot leave it (the projected step lands on the same point), so the loss is
    // flat and the first checkpoint (i = 1, n = 10) halves: [L1 > L0] = 0, [L0 > 0] = 1.
    ApgdRun run = new ApgdRun(new ApgdSettings(Norm.L2, 0.1, 10, 1, 0.75, 9));
    NDArray x = images(0.5f, 0.5f);
    List<float[]> iterates = new ArrayList<>();
    List<Float> steps = new ArrayList<>();
    ApgdRun.Result r =
        run.run(
            AutogradToyModel.identity(2),
            x,
            manager.create(new long[] {0}),
            logits -> logits.sum(new int[] {1}),
            0,
            x,
            (i, iterate, l, next, eta, reduced) -> {
              iterates.add(iterate.toFloatArray());
              steps.add(eta[0]);
            },
            manager);
    float corner = (float) (0.5 + 0.1 / Math.sqrt(2));
    for (float[] it : iterates) {
      assertArrayEquals(new float[] {corner, corner}, it, 1e-6f);
    }
    assertEquals(0.2f, steps.get(0), 1e-7f, "no checkpoint at i = 0: η = 2ε");
    assertEquals(0.2f / 2, steps.get(1), 1e-7f, "halved at the first checkpoint");
    assertEquals(0.2f / 4, steps.get(2), 1e-7f, "halved again: the loss never rises");
    assertArrayEquals(new float[] {corner, corner}, r.xBest().toFloatArray(), 1e-6f);
  }
}
