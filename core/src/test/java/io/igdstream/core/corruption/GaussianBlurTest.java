package io.igdstream.core.corruption;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class GaussianBlurTest {

  /**
   * σ = 1: r = ⌊4·1 + 0.5⌋ = 4; unnormalised weights e^(−k²/2) for k = 0..4 are 1, 0.6065306597,
   * 0.1353352832, 0.0111089965, 0.0003354626; their two-sided sum is 1 + 2·0.7533104020 =
   * 2.5066208042; dividing gives the weights below (w0 ≈ 1/√(2π) as expected).
   */
  private static final double[] SIGMA_ONE = {
    0.0001338306,
    0.0044318616,
    0.0539911274,
    0.2419714456,
    0.3989434694,
    0.2419714456,
    0.0539911274,
    0.0044318616,
    0.0001338306
  };

  @Test
  void kernelForSigmaOneMatchesTheGaussianFormulaAndSumsToOne() {
    double[] w = GaussianBlur.kernel(1.0);
    assertEquals(9, w.length);
    double sum = 0;
    for (int i = 0; i < w.length; i++) {
      assertEquals(SIGMA_ONE[i], w[i], 1e-9, "weight " + i);
      assertEquals(Math.exp(-0.5 * (i - 4) * (i - 4)) / 2.5066208042, w[i], 1e-9);
      sum += w[i];
    }
    assertEquals(1.0, sum, 1e-12);
  }

  @Test
  void kernelRadiusIsFourSigmaRounded() {
    // r = ⌊4σ + 0.5⌋: σ = .4 → 2, .6 → 2, .7 → 3, .8 → 3, 1 → 4, 6 → 24.
    assertEquals(5, GaussianBlur.kernel(0.4).length);
    assertEquals(5, GaussianBlur.kernel(0.6).length);
    assertEquals(7, GaussianBlur.kernel(0.7).length);
    assertEquals(7, GaussianBlur.kernel(0.8).length);
    assertEquals(49, GaussianBlur.kernel(6).length);
  }

  @Test
  void blurOfAnImpulseIsTheOuterProductOfTheKernel() {
    // CIFAR severity 5 is σ = 1. A 1 at the centre of an 11×11 image, 5 px from every border, is
    // never touched by the boundary (r = 4): out(y, x) = w(y − 5)·w(x − 5), 0 beyond 4 px.
    int n = 11;
    float[] src = new float[n * n];
    src[5 * n + 5] = 1f;
    float[] out = TestImages.apply(new GaussianBlur(ConstantSet.CIFAR), src, 1, n, n, 5, 0);
    for (int y = 0; y < n; y++) {
      for (int x = 0; x < n; x++) {
        int dy = y - 5;
        int dx = x - 5;
        double expected =
            Math.abs(dy) <= 4 && Math.abs(dx) <= 4 ? SIGMA_ONE[dy + 4] * SIGMA_ONE[dx + 4] : 0;
        assertEquals(expected, out[y * n + x], 1e-7, "(" + y + "," + x + ")");
      }
    }
  }

  @Test
  void borderRepeatsTheEdgePixel() {
    // 'nearest': for a 1 at the corner (0,0), every tap reaching index ≤ 0 reads that 1, so
    // out(0,0) = (w0 + w1 + w2 + w3 + w4)² = (0.5 + w0/2)² = (0.6994717347)² = 0.4892607076
    // (scipy.ndimage.gaussian_filter(mode='nearest') gives 0.489260708).
    float[] src = new float[3 * 4];
    src[0] = 1f;
    float[] out = TestImages.apply(new GaussianBlur(ConstantSet.IMAGENET), src, 1, 3, 4, 1, 0);
    assertEquals(0.4892607076, out[0], 1e-7);
  }

  @Test
  void blurOfAConstantImageIsUnchanged() {
    float[] src = TestImages.constant(3 * 10 * 7, 0.3f);
    for (ConstantSet set : ConstantSet.values()) {
      for (int s = 1; s <= 5; s++) {
        float[] out = TestImages.apply(new GaussianBlur(set), src, 3, 10, 7, s, 0);
        assertArrayEquals(src, out, 1e-7f, set + " severity " + s);
      }
    }
  }

  @Test
  void channelsAreFilteredIndependently() {
    // Channel 0 holds an impulse, channel 1 is constant: channel 1 must stay exactly constant.
    int n = 9;
    float[] src = new float[2 * n * n];
    src[4 * n + 4] = 1f;
    for (int i = n * n; i < 2 * n * n; i++) {
      src[i] = 0.25f;
    }
    float[] out = TestImages.apply(new GaussianBlur(ConstantSet.CIFAR), src, 2, n, n, 5, 0);
    for (int i = n * n; i < 2 * n * n; i++) {
      assertEquals(0.25f, out[i], 1e-7f);
    }
  }

  @Test
  void matchesScipyGaussianFilterOnASmallImage() {
    // Reference: scipy.ndimage.gaussian_filter(img, 0.7, mode='nearest', truncate=4.0) on
    // img[y][x] = ((7x + 13y) mod 10)/10, 5×6; σ = 0.7 is CIFAR severity 3 (r = 3, which exceeds
    // half the image, so both borders are exercised).
    float[] src = new float[5 * 6];
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 6; x++) {
        src[y * 6 + x] = ((7 * x + 13 * y) % 10) / 10f;
      }
    }
    double[] expected = {
      0.1708072546, 0.4249428695, 0.4156535495, 0.3341197430, 0.5305277350, 0.5734364485,
      0.2872157708, 0.2933680378, 0.4095679824, 0.3973990826, 0.3930854718, 0.5305277350,
      0.5290625124, 0.3522978709, 0.2953502508, 0.4087303489, 0.3973941159, 0.3341481230,
      0.6609340289, 0.5520360981, 0.3522934638, 0.2926392871, 0.4087467113, 0.4203463691,
      0.4490093302, 0.6609340289, 0.5290908957, 0.2919091568, 0.2751156551, 0.5292386827
    };
    float[] out = TestImages.apply(new GaussianBlur(ConstantSet.CIFAR), src, 1, 5, 6, 3, 0);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], out[i], 1e-6, "index " + i);
    }
  }
}
