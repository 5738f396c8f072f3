package io.igdstream.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AugmentationTest {
  /** 2 channels of 3x4: value (c * 12 + y * 4 + x + 1), so every pixel is distinct and > 0. */
  private static byte[] image() {
    byte[] b = new byte[2 * 3 * 4];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (i + 1);
    }
    return b;
  }

  private static float v(int c, int y, int x) {
    return (c * 12 + y * 4 + x + 1) / 255f;
  }

  @Test
  void centredWindowWithoutFlipIsTheIdentity() {
    float[] out = new float[24];
    Augmentation.render(image(), 0, out, 0, 2, 3, 4, 2, 2, 2, false);
    for (int c = 0; c < 2; c++) {
      for (int y = 0; y < 3; y++) {
        for (int x = 0; x < 4; x++) {
          assertEquals(v(c, y, x), out[c * 12 + y * 4 + x]);
        }
      }
    }
  }

  @Test
  void topLeftWindowShiftsTheImageAndFillsPaddingWithZeros() {
    float[] out = new float[24];
    // Padding 1, window at the padded image's top-left corner: output (y, x) = src(y-1, x-1).
    Augmentation.render(image(), 0, out, 0, 2, 3, 4, 1, 0, 0, false);
    float[] expected = {
      0, 0, 0, 0, //
      0, v(0, 0, 0), v(0, 0, 1), v(0, 0, 2),
      0, v(0, 1, 0), v(0, 1, 1), v(0, 1, 2),
      0, 0, 0, 0, //
      0, v(1, 0, 0), v(1, 0, 1), v(1, 0, 2),
      0, v(1, 1, 0), v(1, 1, 1), v(1, 1, 2),
    };
    assertArrayEquals(expected, out);
  }

  @Test
  void bottomRightWindowShiftsTheOtherWay() {
    float[] out = new float[24];
    // Padding 2, window at (top 4, left 3): output (y, x) = src(y+2, x+1).
    Augmentation.render(image(), 0, out, 0, 2, 3, 4, 2, 4, 3, false);
    float[] expectedChannel0 = {
      v(0, 2, 1),
      v(0, 2, 2),
      v(0, 2, 3),
      0, //
      0,
      0,
      0,
      0, //
      0,
      0,
      0,
      0,
    };
    float[] channel0 = java.util.Arrays.copyOf(out, 12);
    assertArrayEquals(expectedChannel0, channel0);
  }

  @Test
  void flipMirrorsEachRow() {
    float[] out = new float[24];
    Augmentation.render(image(), 0, out, 0, 2, 3, 4, 0, 0, 0, true);
    for (int c = 0; c < 2; c++) {
      for (int y = 0; y < 3; y++) {
        for (int x = 0; x < 4; x++) {
          assertEquals(v(c, y, 3 - x), out[c * 12 + y * 4 + x]);
        }
      }
    }
  }

  @Test
  void flipAppliesToTheCroppedWindow() {
    float[] out = new float[24];
    // Crop at (1, 0) with padding 1 gives rows src(y), cols src(x-1); flipping that crop:
    // out(y, x) = crop(y, 3-x) = src(y, 2-x), zero where 2-x < 0.
    Augmentation.render(image(), 0, out, 0, 2, 3, 4, 1, 1, 0, true);
    float[] expectedChannel1 = {
      v(1, 0, 2), v(1, 0, 1), v(1, 0, 0), 0,
      v(1, 1, 2), v(1, 1, 1), v(1, 1, 0), 0,
      v(1, 2, 2), v(1, 2, 1), v(1, 2, 0), 0,
    };
    assertArrayEquals(expectedChannel1, java.util.Arrays.copyOfRange(out, 12, 24));
  }

  @Test
  void randomApplicationKeepsSizeAndReachesEveryWindowAndBothFlips() {
    Augmentation aug = new Augmentation(2, true);
    byte[] src = image();
    float[] out = new float[24];
    int flips = 0;
    boolean[][] seen = new boolean[5][5];
    for (int seed = 0; seed < 400; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      aug.apply(src, 0, out, 0, 2, 3, 4, r);
      // Replay the documented draw order to learn the window, then compare with render.
      SplittableRandom replay = new SplittableRandom(seed);
      int top = replay.nextInt(5);
      int left = replay.nextInt(5);
      boolean flip = replay.nextBoolean();
      float[] expected = new float[24];
      Augmentation.render(src, 0, expected, 0, 2, 3, 4, 2, top, left, flip);
      assertArrayEquals(expected, out);
      seen[top][left] = true;
      flips += flip ? 1 : 0;
      for (float f : out) {
        assertTrue(f >= 0f && f <= 1f);
      }
    }
    for (boolean[] row : seen) {
      for (boolean s : row) {
        assertTrue(s, "every window offset in [0, 2p] occurs");
      }
    }
    assertTrue(flips > 150 && flips < 250, "flips " + flips + " of 400");
  }

  @Test
  void noneCopiesTheImageAndDrawsNothing() {
    float[] out = new float[24];
    SplittableRandom r = new SplittableRandom(1);
    Augmentation.NONE.apply(image(), 0, out, 0, 2, 3, 4, r);
    assertEquals(new SplittableRandom(1).nextLong(), r.nextLong());
    assertEquals(v(1, 2, 3), out[23]);
    assertTrue(Augmentation.NONE.isIdentity());
  }

  @Test
  void cifarPresetAndDefaults() {
    assertEquals(new Augmentation(4, true), Augmentation.cifar());
    Dataset grey = new Dataset("g", 1, 28, 28, List.of("a"), new byte[784], new int[] {0});
    Dataset rgb = new Dataset("c", 3, 32, 32, List.of("a"), new byte[3072], new int[] {0});
    assertEquals(Augmentation.NONE, Augmentation.defaultFor(grey));
    assertEquals(Augmentation.cifar(), Augmentation.defaultFor(rgb));
  }

  @Test
  void negativePaddingIsRejected() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new Augmentation(-1, false));
    assertEquals("cropPadding must be >= 0, was -1", e.getMessage());
  }
}
