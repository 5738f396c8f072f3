package io.igdstream.core.corruption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Statistics of the four noise corruptions on a mid-grey (0.5) image of N = 256·256 = 65,536
 * elements. Tolerances are ≥ 5 standard errors: a sample variance has relative standard error
 * √(2/N) ≈ 0.55 % (normal noise), so the 3 % bands below can only fail on a wrong formula.
 */
class NoiseCorruptionsTest {

  private static final int H = 256;
  private static final int W = 256;
  private static final int N = H * W;
  private static final List<String> NOISE =
      List.of("gaussian_noise", "shot_noise", "impulse_noise", "speckle_noise");
  private static final float[] GREY = TestImages.constant(N, 0.5f);

  @Test
  void varianceOfTheNoiseRisesWithSeverityForEveryNoiseCorruptionAndConstantSet() {
    for (ConstantSet set : ConstantSet.values()) {
      for (String name : NOISE) {
        Corruption c = Corruptions.byName(name, set);
        double previous = 0;
        for (int s = 1; s <= 5; s++) {
          double v = TestImages.variance(TestImages.apply(c, GREY, 1, H, W, s, 40 + s), GREY);
          assertTrue(v > previous, name + " " + set + " s=" + s + ": " + v + " <= " + previous);
          previous = v;
        }
      }
    }
  }

  @Test
  void gaussianNoiseHasMeanZeroAndVarianceCSquared() {
    // x' − x ~ N(0, c²); at x = 0.5 and c ≤ 0.10 clipping needs a 5σ draw, so it is negligible.
    GaussianNoise c = new GaussianNoise(ConstantSet.CIFAR);
    for (int s = 1; s <= 5; s++) {
      double sigma = c.constant(s);
      float[] out = TestImages.apply(c, GREY, 1, H, W, s, s);
      assertEquals(0, TestImages.mean(out, GREY), 5 * sigma / Math.sqrt(N));
      assertEquals(sigma * sigma, TestImages.variance(out, GREY), 0.03 * sigma * sigma);
    }
  }

  @Test
  void shotNoiseHasMeanXAndVarianceXOverC() {
    // Poisson(λ = x·c)/c has mean x and variance λ/c² = x/c. At x = 0.5 every λ (25..250) uses
    // PTRS; at x = 0.1, λ = 50, 25, 10, 7.5, 5 covers PTRS and Knuth. CIFAR c ≥ 50 makes clipping
    // at 1 need ≥ 7σ (x = 0.5), negligible.
    ShotNoise c = new ShotNoise(ConstantSet.CIFAR);
    for (float x : new float[] {0.5f, 0.1f}) {
      float[] image = TestImages.constant(N, x);
      for (int s = 1; s <= 5; s++) {
        double expectedVariance = x / c.constant(s);
        float[] out = TestImages.apply(c, image, 1, H, W, s, 100 + s);
        double meanTolerance = 5 * Math.sqrt(expectedVariance / N);
        assertEquals(0, TestImages.mean(out, image), meanTolerance, "x=" + x + " s=" + s);
        assertEquals(
            expectedVariance,
            TestImages.variance(out, image),
            0.04 * expectedVariance,
            "x=" + x + " s=" + s);
      }
    }
  }

  @Test
  void impulseNoiseFlipsAFractionCOfElementsHalfToZeroHalfToOne() {
    // Each element becomes 0 with probability c/2 and 1 with probability c/2; counts are
    // binomial, so the fractions are within 5·√(p(1−p)/N) of c/2.
    ImpulseNoise c = new ImpulseNoise(ConstantSet.IMAGENET);
    for (int s = 1; s <= 5; s++) {
      double p = c.constant(s) / 2;
      float[] out = TestImages.apply(c, GREY, 1, H, W, s, 7 * s);
      int zeros = 0;
      int ones = 0;
      int kept = 0;
      for (float v : out) {
        if (v == 0f) {
          zeros++;
        } else if (v == 1f) {
          ones++;
        } else if (v == 0.5f) {
          kept++;
        }
      }
      double tolerance = 5 * Math.sqrt(p * (1 - p) / N);
      assertEquals(N, zeros + ones + kept);
      assertEquals(p, (double) zeros / N, tolerance, "zeros at s=" + s);
      assertEquals(p, (double) ones / N, tolerance, "ones at s=" + s);
    }
  }

  @Test
  void impulseNoiseActsPerChannelElement() {
    // skimage's s&p draws per element of H×W×C: in an RGB image some pixels must get a flipped
    // channel next to an unflipped one (with per-pixel flips all three would always agree).
    ImpulseNoise c = new ImpulseNoise(ConstantSet.IMAGENET);
    int plane = 64 * 64;
    float[] image = TestImages.constant(3 * plane, 0.5f);
    float[] out = TestImages.apply(c, image, 3, 64, 64, 5, 3);
    int mixed = 0;
    for (int i = 0; i < plane; i++) {
      boolean r = out[i] != 0.5f;
      boolean g = out[plane + i] != 0.5f;
      boolean b = out[2 * plane + i] != 0.5f;
      if (!(r == g && g == b)) {
        mixed++;
      }
    }
    assertTrue(mixed > plane / 4, "mixed pixels: " + mixed);
  }

  @Test
  void speckleNoiseHasVarianceXSquaredCSquared() {
    // x' − x = x·N(0, c²): variance x²c² = 0.25·c²; c ≤ 0.2 means clipping needs a 10σ draw.
    SpeckleNoise c = new SpeckleNoise(ConstantSet.CIFAR);
    for (int s = 1; s <= 5; s++) {
      double expected = 0.25 * c.constant(s) * c.constant(s);
      float[] out = TestImages.apply(c, GREY, 1, H, W, s, 300 + s);
      assertEquals(expected, TestImages.variance(out, GREY), 0.03 * expected);
    }
  }
}
