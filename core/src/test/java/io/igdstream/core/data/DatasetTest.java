package io.igdstream.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class DatasetTest {
  private static Dataset twoImages() {
    byte[] pixels = {0, 1, (byte) 128, (byte) 255, 10, 20, 30, 40};
    return new Dataset("d", 1, 2, 2, List.of("x", "y"), pixels, new int[] {1, 0});
  }

  @Test
  void shapeAccessorsAndCopyImageScaleToUnitInterval() {
    Dataset d = twoImages();
    assertEquals(2, d.size());
    assertEquals(4, d.imageSize());
    assertEquals(2, d.classCount());
    float[] dst = new float[6];
    d.copyImage(0, dst, 1);
    assertArrayEquals(new float[] {0f, 0f, 1f / 255f, 128f / 255f, 1f, 0f}, dst);
    assertEquals(255, d.pixel(0, 0, 1, 1));
    assertThrows(IndexOutOfBoundsException.class, () -> d.copyImage(2, dst, 0));
    assertThrows(IndexOutOfBoundsException.class, () -> d.copyImage(0, dst, 3));
  }

  @Test
  void limitKeepsTheFirstSamplesAndTheClasses() {
    Dataset d = twoImages();
    Dataset one = d.limit(1);
    assertEquals(1, one.size());
    assertArrayEquals(new int[] {1}, one.labels());
    assertArrayEquals(new byte[] {0, 1, (byte) 128, (byte) 255}, one.pixels());
    assertEquals(d.classes(), one.classes());
    assertSame(d, d.limit(5));
    assertEquals(0, d.limit(0).size());
    assertThrows(IllegalArgumentException.class, () -> d.limit(-1));
  }

  @Test
  void inconsistentContentsAreRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new Dataset("d", 1, 2, 2, List.of("x"), new byte[7], new int[] {0, 0}));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new Dataset("d", 1, 1, 1, List.of("x"), new byte[1], new int[] {1}));
    assertEquals("label 1 of sample 0 outside [0, 1)", e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> new Dataset("d", 1, 1, 1, List.of(), new byte[0], new int[0]));
  }

  @Test
  void resizeInterpolatesLikePilBilinear() {
    Dataset row = new Dataset("r", 1, 1, 2, List.of("x"), new byte[] {0, (byte) 255}, new int[1]);
    Dataset wide = row.resized(1, 4);
    assertArrayEquals(new byte[] {0, 64, (byte) 191, (byte) 255}, wide.pixels());
    assertSame(row, row.resized(1, 2));
  }

  @Test
  void resizeKeepsUniformImagesAndAveragesWhenShrinking() {
    byte[] pixels = new byte[2 * 8 * 8];
    java.util.Arrays.fill(pixels, 0, 64, (byte) 77);
    for (int i = 0; i < 64; i++) {
      pixels[64 + i] = (byte) ((i % 2) * 200); // stripes 0, 200, 0, 200 ...
    }
    Dataset d = new Dataset("s", 2, 8, 8, List.of("x"), pixels, new int[1]);
    Dataset small = d.resized(4, 4);
    for (int i = 0; i < 16; i++) {
      assertEquals(77, small.pixel(0, 0, i / 4, i % 4));
    }
    // Interior columns of the stripes average towards 100 rather than picking 0 or 200.
    int v = small.pixel(0, 1, 2, 1);
    assertEquals(100, v, 15);
  }
}
