package io.igdstream.core.corruption;

import java.util.SplittableRandom;

/** Small image builders and statistics shared by the corruption tests. */
final class TestImages {

  private TestImages() {}

  static float[] constant(int size, float value) {
    float[] x = new float[size];
    java.util.Arrays.fill(x, value);
    return x;
  }

  static float[] uniform(int size, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[size];
    for (int i = 0; i < size; i++) {
      x[i] = (float) r.nextDouble();
    }
    return x;
  }

  /** A smooth C×H×W image: ramps and a slow sinusoid per channel, all inside [0.1, 0.9]. */
  static float[] smooth(int channels, int height, int width) {
    float[] x = new float[channels * height * width];
    for (int c = 0; c < channels; c++) {
      for (int y = 0; y < height; y++) {
        for (int w = 0; w < width; w++) {
          double u = (double) w / (width - 1);
          double v = (double) y / (height - 1);
          double value =
              0.5
                  + 0.2 * Math.sin(Math.PI * (u + (c + 1) * 0.3 * v))
                  + 0.15 * (c % 2 == 0 ? u - 0.5 : v - 0.5);
          x[(c * height + y) * width + w] = (float) value;
        }
      }
    }
    return x;
  }

  static double mean(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] - b[i];
    }
    return s / a.length;
  }

  /** Sample variance of (a − b). */
  static double variance(float[] a, float[] b) {
    double m = mean(a, b);
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      double d = a[i] - b[i] - m;
      s += d * d;
    }
    return s / (a.length - 1);
  }

  static double meanAbsError(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += Math.abs(a[i] - b[i]);
    }
    return s / a.length;
  }

  static float[] apply(Corruption corruption, float[] src, int c, int h, int w, int s, long seed) {
    float[] dst = new float[src.length];
    corruption.apply(src, 0, dst, 0, c, h, w, s, new SplittableRandom(seed));
    return dst;
  }
}
