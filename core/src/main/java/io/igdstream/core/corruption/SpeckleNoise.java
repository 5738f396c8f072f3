package io.igdstream.core.corruption;

import java.util.SplittableRandom;

/**
 * speckle_noise: x' = clip(x + x·N(0, c²)), multiplicative noise, one draw per element.
 *
 * <p>Source: Hendrycks &amp; Dietterich, {@code make_cifar_c.py} / {@code make_imagenet_c.py},
 * {@code np.clip(x + x * np.random.normal(size=x.shape, scale=c), 0, 1)}. c is a relative standard
 * deviation (unitless): CIFAR-10-C .06 .1 .12 .16 .2, ImageNet-C .15 .2 .35 .45 .6.
 */
public final class SpeckleNoise extends SeverityCorruption {

  static final double[] CIFAR = {0.06, 0.1, 0.12, 0.16, 0.2};
  static final double[] IMAGENET = {0.15, 0.2, 0.35, 0.45, 0.6};

  public SpeckleNoise(ConstantSet constants) {
    super("speckle_noise", constants, CIFAR, IMAGENET);
  }

  @Override
  void corrupt(
      float[] src,
      int srcOffset,
      float[] dst,
      int dstOffset,
      int channels,
      int height,
      int width,
      int severity,
      double c,
      SplittableRandom random) {
    SplittableRandom r = requireRandom(random, name());
    int n = channels * height * width;
    for (int i = 0; i < n; i++) {
      double x = src[srcOffset + i];
      dst[dstOffset + i] = clip(x + x * c * r.nextGaussian());
    }
  }
}
