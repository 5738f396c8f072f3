package io.igdstream.core.corruption;

import java.util.SplittableRandom;

/**
 * brightness: RGB → HSV, V ← clip(V + c, 0, 1), HSV → RGB; a grey (1-channel) image gets x' =
 * clip(x + c).
 *
 * <p>Source: Hendrycks &amp; Dietterich, {@code make_cifar_c.py} / {@code make_imagenet_c.py},
 * {@code sk.color.rgb2hsv}, {@code x[:, :, 2] = np.clip(x[:, :, 2] + c, 0, 1)}, {@code hsv2rgb}. c
 * is an offset in [0,1] value units: CIFAR-10-C .05 .1 .15 .2 .3, ImageNet-C .1 .2 .3 .4 .5.
 *
 * <p>Computed without the round trip, which gives the same result: V = max(r, g, b), and with hue
 * and saturation fixed every RGB component of skimage's {@code hsv2rgb} is linear in V, so each
 * component is scaled by V'/V; a black pixel (V = 0, saturation 0) becomes grey (V', V', V'). Only
 * 1 or 3 channels are supported.
 */
public final class Brightness extends SeverityCorruption {

  static final double[] CIFAR = {0.05, 0.1, 0.15, 0.2, 0.3};
  static final double[] IMAGENET = {0.1, 0.2, 0.3, 0.4, 0.5};

  public Brightness(ConstantSet constants) {
    super("brightness", constants, CIFAR, IMAGENET);
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
    if (channels == 1) {
      for (int i = 0; i < plane; i++) {
        dst[dstOffset + i] = clip(src[srcOffset + i] + c);
      }
      return;
    }
    if (channels != 3) {
      throw new IllegalArgumentException(
          "brightness needs 1 (grey) or 3 (RGB) channels, was " + channels);
    }
    for (int i = 0; i < plane; i++) {
      double r = src[srcOffset + i];
      double g = src[srcOffset + plane + i];
      double b = src[srcOffset + 2 * plane + i];
      double v = Math.max(r, Math.max(g, b));
      double v2 = Math.min(Math.max(v + c, 0), 1);
      if (v > 0) {
        double scale = v2 / v;
        r *= scale;
        g *= scale;
        b *= scale;
      } else {
        r = v2;
        g = v2;
        b = v2;
      }
      dst[dstOffset + i] = clip(r);
      dst[dstOffset + plane + i] = clip(g);
      dst[dstOffset + 2 * plane + i] = clip(b);
    }
  }
}
