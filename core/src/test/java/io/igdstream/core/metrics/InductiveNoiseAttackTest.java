package io.igdstream.core.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.igdstream.core.metrics.InductiveNoiseAttack.Variant;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * INA of docs/PROTOCOL.md §2: the pure perturbation, then the batched error count on a toy model.
 */
class InductiveNoiseAttackTest {

  private static final int SIZE = 784; // 1×28×28

  @Test
  void budgetIsFloorOfSizeTimesFraction() {
    // 784·t for t = 0.002 … 0.020: 1.568, 3.136, 4.704, 6.272, 7.84, 9.408, 10.976, 12.544, 14.112,
    // 15.68
    int[] expected = {1, 3, 4, 6, 7, 9, 10, 12, 14, 15};
    for (int i = 0; i < expected.length; i++) {
      assertEquals(
          expected[i],
          InductiveNoiseAttack.budget(SIZE, InductiveNoiseAttack.DEFAULT_FRACTIONS[i]));
    }
    assertEquals(
        29, InductiveNoiseAttack.budget(100, 0.29)); // 100 × 0.29 = 28.999999999999996 in double
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> InductiveNoiseAttack.budget(SIZE, 1.5));
    assertEquals("fraction t must be in [0, 1], was 1.5", e.getMessage());
  }

  @Test
  void exactlyKElementsChangeBeforeClipping() {
    Random random = new Random(5);
    float[] saliency = gaussian(random, 2 * SIZE);
    float[] x = new float[2 * SIZE];
    Arrays.fill(x, 0.5f); // 0.5 + ε, clipped or not, differs from 0.5 unless ε = 0
    for (double t : InductiveNoiseAttack.DEFAULT_FRACTIONS) {
      int k = InductiveNoiseAttack.budget(SIZE, t);
      for (int s = 0; s < 2; s++) {
        boolean[] mask = InductiveNoiseAttack.mask(saliency, s * SIZE, SIZE, t);
        assertEquals(k, count(mask), "mask at t = " + t);
      }
      for (Variant v : Variant.values()) {
        float[] out =
            InductiveNoiseAttack.perturb(x, saliency, SIZE, 2, t, v, 3, new long[] {0, 1});
        for (int s = 0; s < 2; s++) {
          boolean[] mask = InductiveNoiseAttack.mask(saliency, s * SIZE, SIZE, t);
          int changed = 0;
          for (int j = 0; j < SIZE; j++) {
            boolean moved = out[s * SIZE + j] != x[s * SIZE + j];
            assertTrue(!moved || mask[j], "element outside the mask changed");
            changed += moved ? 1 : 0;
          }
          assertEquals(k, changed, v + " at t = " + t);
        }
      }
    }
  }

  @Test
  void picksTheLargestSignedSaliency() {
    // Sorted by signed value: 3 (idx 2), 3 (idx 7), 2 (idx 4), 0.2, 0.1, 0, −1, −5. k = ⌊8 × 0.375⌋
    // = 3
    // → {2, 7, 4}; the −5 at idx 1 has the largest magnitude but the wrong sign.
    float[] saliency = {0.1f, -5f, 3f, 0.2f, 2f, -1f, 0f, 3f};
    boolean[] mask = InductiveNoiseAttack.mask(saliency, 0, 8, 0.375);
    assertArrayEquals(new boolean[] {false, false, true, false, true, false, false, true}, mask);
    // k = ⌊8 × 0.125⌋ = 1: the tie at 3 goes to the lower index.
    assertArrayEquals(
        new boolean[] {false, false, true, false, false, false, false, false},
        InductiveNoiseAttack.mask(saliency, 0, 8, 0.125));
  }

  @Test
  void addAndReplaceFollowTheirFormulas() {
    // x = [0.2, 0.9, 0.5, 0.0], saliency = [1, 4, 3, 2], t = 0.5 → k = 2, M = {1, 2}.
    // ADD: x′ = [0.2, clip(0.9 + ε₁), clip(0.5 + ε₂), 0.0]; REPLACE: x′ = [0.2, clip(ε₁), clip(ε₂),
    // 0.0].
    float[] x = {0.2f, 0.9f, 0.5f, 0.0f};
    float[] saliency = {1, 4, 3, 2};
    long seed = 11;
    long id = 17;
    float[] eps = InductiveNoiseAttack.noise(seed, id, 4);
    float[] add =
        InductiveNoiseAttack.perturb(x, saliency, 4, 1, 0.5, Variant.ADD, seed, new long[] {id});
    float[] replace =
        InductiveNoiseAttack.perturb(
            x, saliency, 4, 1, 0.5, Variant.REPLACE, seed, new long[] {id});
    assertArrayEquals(new float[] {0.2f, clip(0.9f + eps[1]), clip(0.5f + eps[2]), 0.0f}, add, 0f);
    assertArrayEquals(new float[] {0.2f, clip(eps[1]), clip(eps[2]), 0.0f}, replace, 0f);
  }

  @Test
  void outputsStayInPixelRange() {
    Random random = new Random(8);
    float[] x = new float[4 * SIZE];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextFloat();
    }
    float[] saliency = gaussian(random, x.length);
    for (Variant v : Variant.values()) {
      float[] out =
          InductiveNoiseAttack.perturb(x, saliency, SIZE, 4, 0.2, v, 1, new long[] {0, 1, 2, 3});
      for (float value : out) {
        assertTrue(value >= 0f && value <= 1f, v + " gave " + value);
      }
    }
  }

  @Test
  void noiseIsSeededPerSampleNotPerBatchPosition() {
    float[] x = new float[2 * SIZE];
    Arrays.fill(x, 0.5f);
    float[] saliency = gaussian(new Random(2), 2 * SIZE);
    System.arraycopy(saliency, 0, saliency, SIZE, SIZE); // both images: same saliency
    float[] a =
        InductiveNoiseAttack.perturb(
            x, saliency, SIZE, 2, 0.02, Variant.REPLACE, 9, new long[] {4, 5});
    float[] b =
        InductiveNoiseAttack.perturb(
            x, saliency, SIZE, 2, 0.02, Variant.REPLACE, 9, new long[] {4, 5});
    assertArrayEquals(a, b, 0f, "same seed, same output");
    assertFalse(
        Arrays.equals(Arrays.copyOfRange(a, 0, SIZE), Arrays.copyOfRange(a, SIZE, 2 * SIZE)),
        "different sample ids must get different noise");
    float[] swapped =
        InductiveNoiseAttack.perturb(
            x, saliency, SIZE, 2, 0.02, Variant.REPLACE, 9, new long[] {5, 4});
    assertArrayEquals(
        Arrays.copyOfRange(a, 0, SIZE), Arrays.copyOfRange(swapped, SIZE, 2 * SIZE), 0f);
    float[] otherSeed =
        InductiveNoiseAttack.perturb(
            x, saliency, SIZE, 2, 0.02, Variant.REPLACE, 10, new long[] {4, 5});
    assertFalse(Arrays.equals(a, otherSeed), "a different run seed must give different noise");
  }

  @Test
  void rejectsMismatchedShapes() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                InductiveNoiseAttack.perturb(
                    new float[8], new float[8], 4, 2, 0.5, Variant.ADD, 0, new long[] {0}));
    assertEquals("sampleIds must hold n = 2 ids, was 1", e.getMessage());
  }

  @Test
  void errorCountsComputeSaliencyOnceAndOneForwardPerFraction() {
    // The toy model predicts class 0 iff mean(x) < 0.6. Its saliency is fixed; the count per t must
    // equal what perturb + the model's own rule give.
    try (NDManager m = NDManager.newBaseManager()) {
      int n = 16;
      int size = 1 * 8 * 8;
      Random random = new Random(4);
      float[] pixels = new float[n * size];
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = 0.55f + 0.05f * random.nextFloat(); // means ≈ 0.575: class 0, near the boundary
      }
      float[] saliency = gaussian(random, n * size);
      ToyModel model = new ToyModel(saliency);
      NDArray x = m.create(pixels, new Shape(n, 1, 8, 8));
      NDArray y = m.create(new long[n]); // all class 0
      long[] ids = new long[n];
      for (int i = 0; i < n; i++) {
        ids[i] = 10 + i;
      }
      double[] fractions = {0.1, 0.3, 0.6};
      FractionErrors result =
          InductiveNoiseAttack.errorCounts(model, x, y, ids, fractions, Variant.ADD, 21);
      assertEquals(1, model.gradientCalls);
      assertEquals(fractions.length, model.forwardCalls);
      assertEquals(n, result.samples());
      for (int f = 0; f < fractions.length; f++) {
        float[] xp =
            InductiveNoiseAttack.perturb(
                pixels, saliency, size, n, fractions[f], Variant.ADD, 21, ids);
        int expected = 0;
        for (int s = 0; s < n; s++) {
          expected += ToyModel.mean(xp, s * size, size) >= ToyModel.THRESHOLD ? 1 : 0;
        }
        assertEquals(expected, result.errors()[f], "t = " + fractions[f]);
      }
      // Non-vacuous: adding N(0, 1) to 60% of the pixels moves some means across 0.6 and not
      // others.
      assertTrue(
          result.errors()[2] > 0 && result.errors()[2] < n,
          "errors " + Arrays.toString(result.errors()));
    }
  }

  static float clip(float v) {
    return Math.min(1f, Math.max(0f, v));
  }

  static float[] gaussian(Random random, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) random.nextGaussian();
    }
    return a;
  }

  static int count(boolean[] mask) {
    int c = 0;
    for (boolean b : mask) {
      c += b ? 1 : 0;
    }
    return c;
  }
}
