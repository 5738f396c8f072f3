package io.igdstream.core.corruption;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PixelateTest {

  @Test
  void intermediateSizeIsTheFloorOfSizeTimesC() {
    assertEquals(21, Pixelate.reducedSize(28, 0.75)); // 21.0
    assertEquals(23, Pixelate.reducedSize(28, 0.85)); // 23.8
    assertEquals(18, Pixelate.reducedSize(28, 0.65)); // 18.2
    assertEquals(30, Pixelate.reducedSize(32, 0.95)); // 30.4
    assertEquals(27, Pixelate.reducedSize(32, 0.85)); // 27.2
    assertEquals(134, Pixelate.reducedSize(224, 0.6)); // 134.4
    assertEquals(56, Pixelate.reducedSize(224, 0.25)); // 56.0
    assertEquals(1, Pixelate.reducedSize(1, 0.25)); // 0.25, but at least 1 px
  }

  @Test
  void boxBoundsFollowPillowForFiveToThreeAndBack() {
    // 5 → 3: scale 5/3, support 5/6. Output 0: centre 5/6, candidates 0, 1 with (j + 0.5 − 5/6)·0.6
    // = −0.2, 0.4 ∈ (−0.5, 0.5] → {0, 1}. Output 1: centre 2.5, candidate 2 only → {2}. Output 2:
    // centre 25/6, candidates 3, 4 → (−0.4, 0.2) → {3, 4}.
    int[] down = new int[6];
    Pixelate.boxBounds(5, 3, down, 0);
    assertArrayEquals(new int[] {0, 2, 2, 1, 3, 2}, down);
    // 3 → 5: scale 0.6, centres 0.3 0.9 1.5 2.1 2.7 → source ⌊centre⌋ = 0 0 1 2 2.
    int[] up = new int[10];
    Pixelate.boxBounds(3, 5, up, 0);
    assertArrayEquals(new int[] {0, 1, 0, 1, 1, 1, 2, 1, 2, 1}, up);
    // 3 → 2, a tie: scale 1.5, support 0.75. Output 0: centre 0.75, candidates [⌊0.5⌋, ⌊2.0⌋) =
    // {0, 1}, pixel 1 at t = (1.5 − 0.75)/1.5 = 0.5 ∈ (−0.5, 0.5] → {0, 1}. Output 1: centre 2.25,
    // candidates [⌊2.0⌋, ⌊3.5⌋) = {2} → {2}. Pillow gives the shared middle pixel to output 0 only.
    int[] tie = new int[4];
    Pixelate.boxBounds(3, 2, tie, 0);
    assertArrayEquals(new int[] {0, 2, 2, 1}, tie);
  }

  @Test
  void handCaseFiveByFiveAtCifarSeverityFive() {
    // c = 0.65 → 5 px go to ⌊3.25⌋ = 3 and back. From the bounds above, a line a b c d e becomes
    // (a+b)/2 (a+b)/2 c (d+e)/2 (d+e)/2 along each axis. (Area weighting would instead give
    // (a + 2b/3)/(5/3) for the first value: 0.18 rather than 0.2 below.)
    // Channel 0 varies along x: 0.1 0.3 0.5 0.7 0.9 → 0.2 0.2 0.5 0.8 0.8 on every row.
    // Channel 1 varies along y: 0 1 0 0 1 → rows 0.5 0.5 0 0.5 0.5.
    float[] src = new float[2 * 25];
    float[] row = {0.1f, 0.3f, 0.5f, 0.7f, 0.9f};
    float[] column = {0f, 1f, 0f, 0f, 1f};
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 5; x++) {
        src[y * 5 + x] = row[x];
        src[25 + y * 5 + x] = column[y];
      }
    }
    float[] out = TestImages.apply(new Pixelate(ConstantSet.CIFAR), src, 2, 5, 5, 5, 0);
    float[] expectedRow = {0.2f, 0.2f, 0.5f, 0.8f, 0.8f};
    float[] expectedColumn = {0.5f, 0.5f, 0f, 0.5f, 0.5f};
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 5; x++) {
        assertEquals(expectedRow[x], out[y * 5 + x], 1e-6f, "c0 (" + y + "," + x + ")");
        assertEquals(expectedColumn[y], out[25 + y * 5 + x], 1e-6f, "c1 (" + y + "," + x + ")");
      }
    }
  }

  @Test
  void evenRatioAveragesTwoByTwoBlocks() {
    // 4×4 at c = 0.65 → 2×2 (⌊2.6⌋): each 2×2 block is replaced by its mean.
    float[] src = {
      0.0f, 0.2f, 0.5f, 0.5f,
      0.4f, 0.2f, 0.1f, 0.3f,
      1.0f, 1.0f, 0.0f, 0.0f,
      0.0f, 0.0f, 0.0f, 0.8f
    };
    float[] out = TestImages.apply(new Pixelate(ConstantSet.CIFAR), src, 1, 4, 4, 5, 0);
    float[] expected = {
      0.2f, 0.2f, 0.35f, 0.35f,
      0.2f, 0.2f, 0.35f, 0.35f,
      0.5f, 0.5f, 0.2f, 0.2f,
      0.5f, 0.5f, 0.2f, 0.2f
    };
    assertArrayEquals(expected, out, 1e-6f);
  }

  @Test
  void twentyEightPixelsAtSeverityFourKeepAtMostTwentyOneLevelsPerRow() {
    // 28 → 21 → 28: upsampling replicates, so a row holds at most 21 distinct values; a constant
    // image is unchanged.
    float[] src = TestImages.uniform(28 * 28, 9);
    float[] out = TestImages.apply(new Pixelate(ConstantSet.CIFAR), src, 1, 28, 28, 4, 0);
    for (int y = 0; y < 28; y++) {
      Set<Float> values = new HashSet<>();
      for (int x = 0; x < 28; x++) {
        values.add(out[y * 28 + x]);
      }
      assertTrue(values.size() <= 21, "row " + y + " has " + values.size());
      assertTrue(values.size() >= 10, "row " + y + " has " + values.size());
    }
    float[] flat = TestImages.constant(28 * 28, 0.4f);
    float[] flatOut = TestImages.apply(new Pixelate(ConstantSet.CIFAR), flat, 1, 28, 28, 4, 0);
    assertArrayEquals(flat, flatOut, 1e-7f);
  }
}
