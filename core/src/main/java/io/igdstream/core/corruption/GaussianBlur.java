package io.igdstream.core.corruption;

import java.util.SplittableRandom;

/**
 * gaussian_blur: each channel filtered with a 2-D Gaussian of standard deviation σ = c pixels,
 * applied separably (rows, then columns), no filtering across channels.
 *
 * <p>Source: Hendrycks &amp; Dietterich, {@code make_cifar_c.py} / {@code make_imagenet_c.py},
 * {@code skimage.filters.gaussian(x, sigma=c, multichannel=True)}, which is {@code
 * scipy.ndimage.gaussian_filter} with σ = (c, c, 0), {@code truncate=4.0} and {@code
 * mode='nearest'}: kernel w(k) ∝ exp(−k²/(2σ²)) for |k| ≤ r = ⌊4σ + 0.5⌋, normalised to sum 1;
 * pixels beyond the border repeat the edge pixel. σ in pixels: CIFAR-10-C .4 .6 .7 .8 1, ImageNet-C
 * 1 2 3 4 6. Kernels are precomputed per severity; accumulation is in double.
 */
public final class GaussianBlur extends SeverityCorruption {

  static final double[] CIFAR = {0.4, 0.6, 0.7, 0.8, 1};
  static final double[] IMAGENET = {1, 2, 3, 4, 6};

  private final double[][] kernels = new double[5][];

  public GaussianBlur(ConstantSet constants) {
    super("gaussian_blur", constants, CIFAR, IMAGENET);
    for (int s = 1; s <= 5; s++) {
      kernels[s - 1] = kernel(constant(s));
    }
  }

  /** The normalised 1-D kernel of length 2r + 1, r = ⌊4σ + 0.5⌋ (scipy's truncate = 4). */
  static double[] kernel(double sigma) {
    if (!(sigma > 0)) {
      throw new IllegalArgumentException("sigma must be > 0, was " + sigma);
    }
    int radius = (int) (4.0 * sigma + 0.5);
    double[] w = new double[2 * radius + 1];
    double sum = 0;
    for (int k = -radius; k <= radius; k++) {
      double v = Math.exp(-0.5 / (sigma * sigma) * k * k);
      w[k + radius] = v;
      sum += v;
    }
    for (int i = 0; i < w.length; i++) {
      w[i] /= sum;
    }
    return w;
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
    double[] w = kernels[severity - 1];
    int r = w.length / 2;
    int plane = height * width;
    Scratch scratch = Scratch.get();
    double[] line = scratch.a(width + 2 * r);
    double[] rows = scratch.b(plane);
    double[] acc = scratch.c(width);
    for (int ch = 0; ch < channels; ch++) {
      int in = srcOffset + ch * plane;
      int out = dstOffset + ch * plane;
      // Horizontal pass into rows, through a line padded with the edge values ('nearest').
      for (int y = 0; y < height; y++) {
        int row = in + y * width;
        float first = src[row];
        float last = src[row + width - 1];
        for (int i = 0; i < r; i++) {
          line[i] = first;
          line[r + width + i] = last;
        }
        for (int x = 0; x < width; x++) {
          line[r + x] = src[row + x];
        }
        int base = y * width;
        for (int x = 0; x < width; x++) {
          double s = 0;
          for (int k = 0; k < w.length; k++) {
            s += w[k] * line[x + k];
          }
          rows[base + x] = s;
        }
      }
      // Vertical pass, row by row, clamping the source row index ('nearest').
      for (int y = 0; y < height; y++) {
        java.util.Arrays.fill(acc, 0, width, 0.0);
        for (int k = 0; k < w.length; k++) {
          int yy = Math.min(Math.max(y + k - r, 0), height - 1);
          double wk = w[k];
          int base = yy * width;
          for (int x = 0; x < width; x++) {
            acc[x] += wk * rows[base + x];
          }
        }
        int row = out + y * width;
        for (int x = 0; x < width; x++) {
          dst[row + x] = clip(acc[x]);
        }
      }
    }
  }
}
