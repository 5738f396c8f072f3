package io.igdstream.core.corruption;

import java.util.SplittableRandom;

/**
 * impulse_noise (salt and pepper): each element, independently with probability c, is set to 0 or 1
 * with equal odds; the others are kept (clipped to [0,1]).
 *
 * <p>Source: Hendrycks &amp; Dietterich, {@code make_cifar_c.py} / {@code make_imagenet_c.py},
 * {@code sk.util.random_noise(x, mode='s&p', amount=c)} on the H×W×C array, i.e. per channel
 * element. c is a probability: CIFAR-10-C .01 .02 .03 .05 .07, ImageNet-C .03 .06 .09 .17 .27. One
 * uniform u per element: u &lt; c/2 → 0, c/2 ≤ u &lt; c → 1 (same law as skimage's two draws).
 */
public final class ImpulseNoise extends SeverityCorruption {

  static final double[] CIFAR = {0.01, 0.02, 0.03, 0.05, 0.07};
  static final double[] IMAGENET = {0.03, 0.06, 0.09, 0.17, 0.27};

  public ImpulseNoise(ConstantSet constants) {
    super("impulse_noise", constants, CIFAR, IMAGENET);
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
    double half = 0.5 * c;
    int n = channels * height * width;
    for (int i = 0; i < n; i++) {
      double u = r.nextDouble();
      dst[dstOffset + i] = u < c ? (u < half ? 0f : 1f) : clip(src[srcOffset + i]);
    }
  }
}
