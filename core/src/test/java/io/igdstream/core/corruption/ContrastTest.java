package io.igdstream.core.corruption;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class ContrastTest {

  @Test
  void scalesAboutThePerChannelMean() {
    // 2 channels of 2×2, CIFAR severity 1 (c = 0.75).
    // Channel 0: 0.2 0.4 0.6 0.8, μ = 0.5 → (x − 0.5)·0.75 + 0.5 = 0.275 0.425 0.575 0.725.
    // Channel 1: 0 0 0 1, μ = 0.25 → 0.25 − 0.25·0.75 = 0.0625 (×3) and 0.25 + 0.75·0.75 = 0.8125.
    // A mean over both channels (0.375) would give 0.29375 for the first value instead.
    float[] src = {0.2f, 0.4f, 0.6f, 0.8f, 0f, 0f, 0f, 1f};
    float[] out = TestImages.apply(new Contrast(ConstantSet.CIFAR), src, 2, 2, 2, 1, 0);
    assertArrayEquals(
        new float[] {0.275f, 0.425f, 0.575f, 0.725f, 0.0625f, 0.0625f, 0.0625f, 0.8125f},
        out,
        1e-6f);
  }

  @Test
  void strongestImageNetSeverityShrinksTowardTheMean() {
    // ImageNet severity 5, c = 0.05: 0 and 1 with μ = 0.5 become 0.475 and 0.525.
    float[] src = {0f, 1f};
    float[] out = TestImages.apply(new Contrast(ConstantSet.IMAGENET), src, 1, 1, 2, 5, 0);
    assertArrayEquals(new float[] {0.475f, 0.525f}, out, 1e-6f);
  }
}
