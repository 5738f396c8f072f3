package io.igdstream.core.corruption;

import java.util.SplittableRandom;

/**
 * gaussian_noise: x' = clip(x + N(0, c²)), one independent draw per element (C·H·W).
 *
 * <p>Source: Hendrycks &amp; Dietterich, {@code make_cifar_c.py} / {@code make_imagenet_c.py},
 * {@code np.clip(x + np.random.normal(size=x.shape, scale=c), 0, 1)}. c is a standard deviation in
 * [0,1] pixel units: CIFAR-10-C .04 .06 .08 .09 .10, ImageNet-C .08 .12 .18 .26 .38. Normals come
 * from {@link SplittableRandom#nextGaussian()} (the JDK's ziggurat).
 */
public final class GaussianNoise extends SeverityCorruption {

  static final double[] CIFAR = {0.04, 0.06, 0.08, 0.09, 0.10};
  static final double[] IMAGENET = {0.08, 0.12, 0.18, 0.26, 0.38};

  public GaussianNoise(ConstantSet constants) {
    super("gaussian_noise", constants, CIFAR, IMAGENET);
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
      dst[dstOffset + i] = clip(src[srcOffset + i] + c * r.nextGaussian());
    }
  }
}
