package io.igdstream.core.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Gini of docs/PROTOCOL.md §2: pure math, no engine. */
class GiniTest {

  @Test
  void uniformVectorHasGiniZero() {
    float[] a = new float[100];
    java.util.Arrays.fill(a, 0.37f);
    assertEquals(0.0, Gini.of(a), 1e-12);
  }

  @Test
  void oneHotHasGiniNMinusOneOverN() {
    for (int n : new int[] {1, 2, 7, 784}) {
      float[] a = new float[n];
      a[n / 2] = 3f;
      assertEquals((n - 1) / (double) n, Gini.of(a), 1e-12, "n = " + n);
    }
  }

  @Test
  void handComputedCase() {
    // [1, 2, 3, 4]: n = 4, Σa = 10, Σ(2i − 5)·a₍ᵢ₎ = −3·1 − 1·2 + 1·3 + 3·4 = 10 → G = 10 / (4·10)
    // = 0.25.
    assertEquals(0.25, Gini.of(new float[] {1, 2, 3, 4}), 1e-12);
    // [0, 0, 0, 5, 5]: Σa = 10, Σ(2i − 6)·a₍ᵢ₎ = 2·5 + 4·5 = 30 → G = 30 / (5·10) = 0.6.
    assertEquals(0.6, Gini.of(new float[] {5, 0, 0, 5, 0}), 1e-12);
  }

  @Test
  void isInvariantToPermutationScaleAndSign() {
    Random random = new Random(1);
    float[] a = new float[200];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) Math.exp(3 * random.nextGaussian());
    }
    double g = Gini.of(a);
    float[] permuted = new float[a.length];
    float[] scaled = new float[a.length];
    float[] signed = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      permuted[i] = a[(i * 37 + 11) % a.length]; // 37 is coprime with 200: a permutation
      scaled[i] = a[i] * 8f; // a power of two: exact in float
      signed[i] = random.nextBoolean() ? -a[i] : a[i];
    }
    assertEquals(g, Gini.of(permuted), 1e-12);
    assertEquals(g, Gini.of(scaled), 1e-12);
    assertEquals(g, Gini.of(signed), 1e-12);
    assertEquals(0.25, Gini.of(new float[] {-1, 2, -3, 4}), 1e-12);
  }

  @Test
  void allZerosGivesZeroNotNaN() {
    assertEquals(0.0, Gini.of(new float[64]));
    assertEquals(0.0, Gini.of(new float[0]));
    assertEquals(0.0, Gini.regional(new float[2 * 5 * 5], 0, 2, 5, 5, 4));
  }

  @Test
  void offsetAndLengthSelectOneMap() {
    float[] two = {9, 9, 9, 1, 2, 3, 4, 9};
    assertEquals(0.25, Gini.of(two, 3, 4), 1e-12);
    assertThrows(IndexOutOfBoundsException.class, () -> Gini.of(two, 5, 4));
  }

  @Test
  void reflectIndexMatchesNumpyReflectMode() {
    // np.pad(np.arange(5), (0, 11), mode='reflect') = [0 1 2 3 4 3 2 1 0 1 2 3 4 3 2 1]
    int[] expected = {0, 1, 2, 3, 4, 3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1};
    for (int p = 0; p < expected.length; p++) {
      assertEquals(expected[p], Gini.reflect(p, 5), "p = " + p);
    }
    // np.pad(np.arange(1), (0, 3), mode='reflect') = [0 0 0 0]
    assertEquals(0, Gini.reflect(3, 1));
  }

  @Test
  void regionalPoolReflectPadsAndAveragesBlocks() {
    // 1×5×5 map m[r][c] = ±(5r + c + 1), signs alternating (pooling takes |m|), block 4.
    // Padded to 8×8 with rows 5, 6, 7 = rows 3, 2, 1 (and the same for columns), so the blocks
    // cover rows {0,1,2,3} or {4,3,2,1} (mean 1.5 or 2.5) and the same columns. The mean of
    // 5r + c + 1 over a block is 5·mean(r) + mean(c) + 1:
    //   (0,0): 7.5 + 1.5 + 1 = 10   (0,1): 7.5 + 2.5 + 1 = 11
    //   (1,0): 12.5 + 1.5 + 1 = 15  (1,1): 12.5 + 2.5 + 1 = 16
    // (Edge padding would use rows {4,4,3,2}, mean 3.25; zero padding would shrink the sums.)
    float[] map = new float[1 + 25];
    for (int r = 0; r < 5; r++) {
      for (int c = 0; c < 5; c++) {
        map[1 + r * 5 + c] = ((r + c) % 2 == 0 ? 1 : -1) * (5 * r + c + 1);
      }
    }
    map[0] = 1000; // before the offset: must be ignored
    assertArrayEquals(new float[] {10, 11, 15, 16}, Gini.regionalPool(map, 1, 1, 5, 5, 4), 1e-5f);
    // Gini of [10, 11, 15, 16]: Σ = 52, Σ(2i − 5)·a = −30 − 11 + 15 + 48 = 22 → 22 / 208.
    assertEquals(22.0 / 208.0, Gini.regional(map, 1, 1, 5, 5, 4), 1e-6);
  }

  @Test
  void regionalPoolKeepsChannelsApart() {
    // 2×4×4, block 2: channel 0 all 1, channel 1 has a single 8 at (3, 3). Blocks (c, br, bc):
    // channel 0 → four 1s; channel 1 → 0, 0, 0, 8/4 = 2.
    float[] map = new float[32];
    java.util.Arrays.fill(map, 0, 16, 1f);
    map[16 + 15] = 8f;
    assertArrayEquals(
        new float[] {1, 1, 1, 1, 0, 0, 0, 2}, Gini.regionalPool(map, 0, 2, 4, 4, 2), 0f);
  }

  @Test
  void blockFollowsTheProtocolDecision() {
    assertEquals(4, Gini.blockFor(28, 28));
    assertEquals(4, Gini.blockFor(32, 32));
    assertEquals(16, Gini.blockFor(64, 64));
    assertEquals(16, Gini.blockFor(224, 224));
    assertEquals(16, Gini.blockFor(32, 33));
  }

  @Test
  void rejectsBadShapes() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Gini.regionalPool(new float[4], 0, 1, 2, 2, 0));
    assertEquals("block must be >= 1, was 0", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Gini.blockFor(0, 5));
    assertThrows(
        IndexOutOfBoundsException.class, () -> Gini.regionalPool(new float[4], 1, 1, 2, 2, 2));
  }
}
