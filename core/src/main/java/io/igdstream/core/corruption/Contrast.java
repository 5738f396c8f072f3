package io.igdstream.core.corruption;

import java.util.SplittableRandom;

/**
 * contrast: x' = clip((x − μ)·c + μ), μ the spatial mean of x's channel (one μ per channel).
 *
 * <p>Source: Hendrycks &amp; Dietterich, {@code make_cifar_c.py} / {@code make_imagenet_c.py},
 * {@code means = np.mean(x, axis=(0, 1), keepdims=True)} on an H×W×C image. c is a unitless scale
 * factor (smaller = less contrast): CIFAR-10-C .75 .5 .4 .3 .15, ImageNet-C .4 .3 .2 .1 .05.
 */
public final class Contrast extends SeverityCorruption {

  static final double[] CIFAR = {0.75, 0.5, 0.4, 0.3, 0.15};
  static final double[] IMAGENET = {0.4, 0.3, 0.2, 0.1, 0.05};

  public Contrast(ConstantSet constants) {
    super("contrast", constants, CIFAR, IMAGENET);
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
    int plane = height * width;
    for (int ch = 0; ch < channels; ch++) {
      int in = srcOffset + ch * plane;
      int out = dstOffset + ch * plane;
      double sum = 0;
      for (int i = 0; i < plane; i++) {
        sum += src[in + i];
      }
      double mean = sum / plane;
      for (int i = 0; i < plane; i++) {
        dst[out + i] = clip((src[in + i] - mean) * c + mean);
      }
    }
  }
}
