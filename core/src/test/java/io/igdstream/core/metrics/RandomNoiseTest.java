package io.igdstream.core.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** RN of docs/PROTOCOL.md §2: pure Java, no engine. */
class RandomNoiseTest {

  @Test
  void choosesExactlyKDistinctPositions() {
    for (double t : RandomNoise.DEFAULT_FRACTIONS) {
      int k = InductiveNoiseAttack.budget(784, t);
      int[] positions = RandomNoise.positions(3, 99, 784, t);
      assertEquals(k, positions.length);
      assertEquals(k, Arrays.stream(positions).distinct().count(), "positions must be distinct");
      assertTrue(Arrays.stream(positions).allMatch(p -> p >= 0 && p < 784));
    }
    // 784 × 0.02 = 15.68 → 15; 784 × 0.20 = 156.8 → 156
    assertEquals(15, RandomNoise.positions(3, 99, 784, 0.02).length);
    assertEquals(156, RandomNoise.positions(3, 99, 784, 0.20).length);
  }

  @Test
  void changesExactlyTheChosenElements() {
    float[] x = new float[3 * 784];
    Arrays.fill(x, 0.5f);
    long[] ids = {7, 8, 9};
    float[] out = RandomNoise.perturb(x, 784, 3, 0.1, 5, ids);
    for (int s = 0; s < 3; s++) {
      boolean[] chosen = new boolean[784];
      for (int p : RandomNoise.positions(5, ids[s], 784, 0.1)) {
        chosen[p] = true;
      }
      int changed = 0;
      for (int j = 0; j < 784; j++) {
        boolean moved = out[s * 784 + j] != 0.5f;
        assertEquals(chosen[j], moved, "element " + j + " of sample " + s);
        changed += moved ? 1 : 0;
      }
      assertEquals(78, changed); // ⌊784 × 0.1⌋ = 78
    }
  }

  @Test
  void positionsAreUniformOverManyDraws() {
    // 2000 draws of k = 5 of 50 positions: each position expected 2000·5/50 = 200 times, sd ≈
    // √(2000·0.1·0.9) ≈ 13.4; [130, 270] is beyond 5 sd on each side.
    int[] hits = new int[50];
    for (long id = 0; id < 2000; id++) {
      for (int p : RandomNoise.positions(1, id, 50, 0.1)) {
        hits[p]++;
      }
    }
    for (int p = 0; p < 50; p++) {
      assertTrue(hits[p] >= 130 && hits[p] <= 270, "position " + p + " hit " + hits[p] + " times");
    }
  }

  @Test
  void masksAreNestedAcrossFractions() {
    int[] small = RandomNoise.positions(2, 3, 784, 0.02);
    int[] large = RandomNoise.positions(2, 3, 784, 0.20);
    assertArrayEquals(small, Arrays.copyOf(large, small.length));
  }

  @Test
  void outputsStayInPixelRangeAndRepeat() {
    Random random = new Random(4);
    float[] x = new float[5 * 784];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextFloat();
    }
    long[] ids = {0, 1, 2, 3, 4};
    float[] out = RandomNoise.perturb(x, 784, 5, 0.2, 6, ids);
    for (float v : out) {
      assertTrue(v >= 0f && v <= 1f, "left [0, 1]: " + v);
    }
    assertArrayEquals(out, RandomNoise.perturb(x, 784, 5, 0.2, 6, ids), 0f);
  }
}
