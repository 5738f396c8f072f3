package io.igdstream.core.corruption;

import java.util.SplittableRandom;

/**
 * shot_noise: x' = clip(Poisson(c·x) / c), one draw per element; mean x, variance x/c.
 *
 * <p>Source: Hendrycks &amp; Dietterich, {@code make_cifar_c.py} / {@code make_imagenet_c.py},
 * {@code np.clip(np.random.poisson(x * c) / c, 0, 1)}. c is a photon count per unit intensity
 * (larger c = less noise): CIFAR-10-C 500 250 100 75 50, ImageNet-C 60 25 12 5 3. Poisson draws are
 * exact ({@link Poisson}: Knuth below λ = 10, PTRS above, as numpy), with one sampler per thread.
 */
public final class ShotNoise extends SeverityCorruption {

  static final double[] CIFAR = {500, 250, 100, 75, 50};
  static final double[] IMAGENET = {60, 25, 12, 5, 3};

  private static final ThreadLocal<Poisson> SAMPLER = ThreadLocal.withInitial(Poisson::new);

  public ShotNoise(ConstantSet constants) {
    super("shot_noise", constants, CIFAR, IMAGENET);
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
    Poisson poisson = SAMPLER.get();
    double inv = 1.0 / c;
    int n = channels * height * width;
    for (int i = 0; i < n; i++) {
      dst[dstOffset + i] = clip(poisson.sample(r, src[srcOffset + i] * c) * inv);
    }
  }
}
