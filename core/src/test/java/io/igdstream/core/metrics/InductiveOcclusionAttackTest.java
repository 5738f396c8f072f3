package io.igdstream.core.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.igdstream.core.metrics.InductiveOcclusionAttack.Outcome;
import io.igdstream.core.metrics.InductiveOcclusionAttack.Result;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * IOA of docs/PROTOCOL.md §2: the squares and masks by hand, the search on a model with a known
 * rule.
 */
class InductiveOcclusionAttackTest {

  @Test
  void squaresAreClippedAtTheImageEdges() {
    // (0,0), r = 2: rows [max(−2,0), min(2,8)) = [0,2), cols [0,2) → rows 0..1, cols 0..1.
    assertEquals(
        rect(8, 8, 0, 2, 0, 2), set(InductiveOcclusionAttack.mask(8, 8, new int[] {0}, 1, 2)));
    // (7,7), r = 2: rows [5, min(9,8)) = [5,8) → rows 5..7, cols 5..7.
    assertEquals(
        rect(8, 8, 5, 8, 5, 8), set(InductiveOcclusionAttack.mask(8, 8, new int[] {63}, 1, 2)));
    // (3,4), r = 1: rows [2,4), cols [3,5): 2×2 pixels, the square sits up-left of its centre.
    assertEquals(
        rect(8, 8, 2, 4, 3, 5),
        set(InductiveOcclusionAttack.mask(8, 8, new int[] {3 * 8 + 4}, 1, 1)));
    // r ≥ H covers everything only when i − r ≤ 0 and i + r ≥ H.
    assertEquals(
        rect(8, 8, 0, 8, 0, 8),
        set(InductiveOcclusionAttack.mask(8, 8, new int[] {4 * 8 + 4}, 1, 4)));
  }

  @Test
  void maskIsTheUnionOfTheFirstNSquares() {
    int[] locations = {0, 63, 27};
    boolean[] one = InductiveOcclusionAttack.mask(8, 8, locations, 1, 2);
    boolean[] two = InductiveOcclusionAttack.mask(8, 8, locations, 2, 2);
    boolean[] none = InductiveOcclusionAttack.mask(8, 8, locations, 0, 2);
    boolean[] expected = new boolean[64];
    for (int p : rect(8, 8, 0, 2, 0, 2)) {
      expected[p] = true;
    }
    for (int p : rect(8, 8, 5, 8, 5, 8)) {
      expected[p] = true;
    }
    assertArrayEquals(expected, two);
    assertEquals(4, InductiveNoiseAttackTest.count(one));
    assertEquals(13, InductiveNoiseAttackTest.count(two)); // 4 + 9, disjoint
    assertEquals(0, InductiveNoiseAttackTest.count(none));
    // Overlapping squares count once: (3,3) and (3,4) at r = 1 → rows [2,4) × cols [2,5) = 6
    // pixels.
    assertEquals(
        6,
        InductiveNoiseAttackTest.count(
            InductiveOcclusionAttack.mask(8, 8, new int[] {27, 28}, 2, 1)));
  }

  @Test
  void occludeFillsEveryChannelInsideTheMaskOnly() {
    float[] x = new float[2 * 4];
    Arrays.fill(x, 0.25f);
    boolean[] mask = {true, false, false, true};
    float[] out = new float[8];
    InductiveOcclusionAttack.occlude(x, 0, 2, 2, 2, mask, 1f, out, 0);
    assertArrayEquals(new float[] {1f, 0.25f, 0.25f, 1f, 1f, 0.25f, 0.25f, 1f}, out, 0f);
  }

  @Test
  void attributionIsTheSignedChannelMeanAndLocationsTheLargest() {
    // 2×1×3: channel 0 = [1, −4, 2], channel 1 = [3, 0, −2] → mean [2, −2, 0] → order 0, 2, 1.
    float[] saliency = {1, -4, 2, 3, 0, -2};
    float[] a = InductiveOcclusionAttack.attribution(saliency, 0, 2, 1, 3);
    assertArrayEquals(new float[] {2, -2, 0}, a, 0f);
    assertArrayEquals(new int[] {0, 2, 1}, InductiveOcclusionAttack.topLocations(a, 10));
    assertArrayEquals(new int[] {0}, InductiveOcclusionAttack.topLocations(a, 1));
  }

  @Test
  void defaultsFollowTheProtocolDecision() {
    assertEquals(14, InductiveOcclusionAttack.defaultHalfSizes(28, 28));
    assertEquals(16, InductiveOcclusionAttack.defaultHalfSizes(32, 32));
    assertEquals(20, InductiveOcclusionAttack.defaultHalfSizes(224, 224));
    assertEquals(4, InductiveOcclusionAttack.defaultHalfSizes(8, 7));
    InductiveOcclusionAttack attack = InductiveOcclusionAttack.forImage(28, 28);
    assertEquals(10, attack.locations());
    assertEquals(140, attack.maxForwardPasses());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new InductiveOcclusionAttack(0, 3));
    assertEquals("locations must be >= 1, was 0", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new InductiveOcclusionAttack(3, 0));
  }

  @Test
  void stopsAtTheFirstMisclassification() {
    // 1×8×8 images, toy model: class 0 iff mean < 0.6; all labels 0. White fill (1.0).
    // N = 10, R = min(20, ⌈8/2⌉) = 4. Stage s = (n − 1)·4 + r.
    // A: x = 0, locations (0,0) then (7,7). n = 1: (0,0)'s square is r×r px, at most 16/64 = 0.25.
    //    n = 2 adds (7,7)'s (r+1)×(r+1): r = 3 → 9 + 16 = 25 px (0.39); r = 4 → 16 + 25 = 41 px
    //    (0.64) → fooled at (2, 4), stage 8.
    // B: x = 0, location (3,3): r = 1..3 → 4, 16, 36 px (≤ 0.5625); r = 4 → rows, cols [0,7) = 49
    // px
    //    (0.766) → fooled at (1, 4), stage 4.
    // C: x = 0.5, location (3,3): mean = 0.5 + 0.5·area/64 ≥ 0.6 iff area ≥ 12.8 → r = 2 (16 px)
    //    → fooled at (1, 2), stage 2.
    // Batched forwards: stages 1–2 over 3 samples, 3–4 over 2, 5–8 over 1, then none: 8 calls.
    int size = 64;
    float[] pixels = new float[3 * size];
    Arrays.fill(pixels, 2 * size, 3 * size, 0.5f);
    float[] saliency = new float[3 * size];
    saliency[0] = 10;
    saliency[63] = 9;
    saliency[size + 27] = 10;
    saliency[2 * size + 27] = 10;
    try (NDManager m = NDManager.newBaseManager()) {
      ToyModel model = new ToyModel(saliency);
      NDArray x = m.create(pixels, new Shape(3, 1, 8, 8));
      NDArray y = m.create(new long[3]);
      Result result = InductiveOcclusionAttack.forImage(8, 8).run(model, x, y, 1.0f);
      assertEquals(
          List.of(
              new Outcome(true, 2, 4, 8), new Outcome(true, 1, 4, 4), new Outcome(true, 1, 2, 2)),
          result.outcomes());
      assertEquals(3, result.errors());
      assertEquals(8, result.forwardCalls());
      assertEquals(List.of(3L, 3L, 2L, 2L, 1L, 1L, 1L, 1L), model.batchSizes);
      assertEquals(1, model.gradientCalls);
    }
  }

  @Test
  void neverMoreThanNTimesRForwardPassesPerSample() {
    // Grey fill on x = 0: the mean never exceeds 0.5 < 0.6, so no sample is fooled and the search
    // runs every stage: exactly N·R = 10·4 = 40 batched forwards, each over every sample.
    float[] pixels = new float[4 * 64];
    float[] saliency = InductiveNoiseAttackTest.gaussian(new java.util.Random(3), pixels.length);
    try (NDManager m = NDManager.newBaseManager()) {
      ToyModel model = new ToyModel(saliency);
      NDArray x = m.create(pixels, new Shape(4, 1, 8, 8));
      NDArray y = m.create(new long[4]);
      InductiveOcclusionAttack attack = InductiveOcclusionAttack.forImage(8, 8);
      Result result = attack.run(model, x, y, 0.5f);
      assertEquals(0, result.errors());
      assertEquals(attack.maxForwardPasses(), model.forwardCalls);
      assertEquals(attack.maxForwardPasses(), result.forwardCalls());
      for (Outcome o : result.outcomes()) {
        assertEquals(new Outcome(false, 10, 4, 40), o);
      }
      assertTrue(model.batchSizes.stream().allMatch(b -> b == 4));
    }
  }

  @Test
  void rejectsAFillOutsidePixelRange() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.zeros(new Shape(1, 1, 8, 8));
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  InductiveOcclusionAttack.forImage(8, 8)
                      .run(
                          new ToyModel(new float[64]),
                          x,
                          m.create(new long[1]),
                          new float[64],
                          1.5f));
      assertEquals("fill must be in [0, 1], was 1.5", e.getMessage());
    }
  }

  private static java.util.Set<Integer> rect(int h, int w, int r0, int r1, int c0, int c1) {
    java.util.Set<Integer> s = new java.util.TreeSet<>();
    for (int r = r0; r < r1; r++) {
      for (int c = c0; c < c1; c++) {
        s.add(r * w + c);
      }
    }
    return s;
  }

  private static java.util.Set<Integer> set(boolean[] mask) {
    java.util.Set<Integer> s = new java.util.TreeSet<>();
    for (int p = 0; p < mask.length; p++) {
      if (mask[p]) {
        s.add(p);
      }
    }
    return s;
  }
}
