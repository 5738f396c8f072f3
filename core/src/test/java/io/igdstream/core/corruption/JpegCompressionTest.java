package io.igdstream.core.corruption;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class JpegCompressionTest {

  @Test
  void outputHasTheInputSizeAndEightBitLevels() {
    for (int[] shape : new int[][] {{1, 28, 28}, {3, 32, 32}, {3, 13, 21}, {1, 1, 1}}) {
      int size = shape[0] * shape[1] * shape[2];
      float[] src = TestImages.smooth(shape[0], Math.max(shape[1], 2), Math.max(shape[2], 2));
      src = java.util.Arrays.copyOf(src, size);
      JpegCompression jpeg = new JpegCompression(ConstantSet.CIFAR);
      float[] out = TestImages.apply(jpeg, src, shape[0], shape[1], shape[2], 1, 0);
      assertEquals(size, out.length);
      for (float v : out) {
        float level = v * 255f;
        assertEquals(Math.round(level), level, 1e-3f);
      }
    }
  }

  @Test
  void flatMidGreyRoundTripsExactly() {
    // 128/255 quantises to 128; after the level shift (−128) every DCT coefficient is 0, which
    // every quantisation table keeps, so the decoded image is exactly 128 again (grey and RGB).
    float v = 128f / 255f;
    for (int channels : new int[] {1, 3}) {
      float[] src = TestImages.constant(channels * 16 * 16, v);
      float[] out =
          TestImages.apply(new JpegCompression(ConstantSet.IMAGENET), src, channels, 16, 16, 5, 0);
      assertArrayEquals(src, out, 0f);
    }
  }

  @Test
  void smoothImageStaysCloseAtQualityEightyAndWorsensAsQualityFalls() {
    for (int channels : new int[] {1, 3}) {
      float[] src = TestImages.smooth(channels, 32, 32);
      double[] cifar = errors(new JpegCompression(ConstantSet.CIFAR), src, channels);
      double[] imagenet = errors(new JpegCompression(ConstantSet.IMAGENET), src, channels);
      String seen = java.util.Arrays.toString(cifar) + " " + java.util.Arrays.toString(imagenet);
      assertTrue(cifar[0] < 0.02, "q=80 mean abs error " + cifar[0]);
      // Qualities 80 65 58 50 40 then 25 18 15 10 7: error rises at every step.
      for (int s = 1; s < 5; s++) {
        assertTrue(cifar[s] > cifar[s - 1], channels + "ch cifar " + seen);
        assertTrue(imagenet[s] > imagenet[s - 1], channels + "ch imagenet " + seen);
      }
      assertTrue(imagenet[0] > cifar[4], channels + "ch q25 vs q40 " + seen);
    }
  }

  private static double[] errors(JpegCompression jpeg, float[] src, int channels) {
    double[] e = new double[5];
    for (int s = 1; s <= 5; s++) {
      e[s - 1] = TestImages.meanAbsError(TestImages.apply(jpeg, src, channels, 32, 32, s, 0), src);
    }
    return e;
  }
}
