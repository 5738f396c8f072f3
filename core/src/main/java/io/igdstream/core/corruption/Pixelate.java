package io.igdstream.core.corruption;

import java.util.SplittableRandom;

/**
 * pixelate: resize each channel to ⌊H·c⌋ × ⌊W·c⌋ with PIL's BOX filter, then back to H × W with the
 * BOX filter again.
 *
 * <p>Source: Hendrycks &amp; Dietterich, {@code make_cifar_c.py} / {@code make_imagenet_c.py},
 * {@code x.resize((int(32 * c), int(32 * c)), PIL.Image.BOX)} then {@code x.resize((32, 32),
 * PIL.Image.BOX)} (224 for ImageNet-C; here the image's own H and W, each at least 1). c is a
 * unitless size ratio: CIFAR-10-C .95 .9 .85 .75 .65, ImageNet-C .6 .5 .4 .3 .25.
 *
 * <p>BOX is implemented exactly as Pillow's {@code precompute_coeffs} (libImaging/Resample.c),
 * separably, rows first: for output index i, scale = in/out, center = (i + 0.5)·scale; source pixel
 * j gets weight 1 when ((j + 0.5) − center)/max(scale, 1) ∈ (−0.5, 0.5] and 0 otherwise,
 * normalised. Downsampling thus averages the source pixels whose <em>centres</em> fall in the
 * output pixel's footprint (equal weights, not area weights: 5 → 3 px averages pixels {0,1}, {2},
 * {3,4}); upsampling picks source pixel ⌊center⌋ (replication). Deviation from PIL: values stay
 * float between and after the passes, where PIL rounds an 8-bit image to 8 bits after each pass.
 */
public final class Pixelate extends SeverityCorruption {

  static final double[] CIFAR = {0.95, 0.9, 0.85, 0.75, 0.65};
  static final double[] IMAGENET = {0.6, 0.5, 0.4, 0.3, 0.25};

  public Pixelate(ConstantSet constants) {
    super("pixelate", constants, CIFAR, IMAGENET);
  }

  /** The intermediate size ⌊size·c⌋ (at least 1), computed in double as Python's int(size * c). */
  static int reducedSize(int size, double c) {
    return Math.max(1, (int) (size * c));
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
    int smallH = reducedSize(height, c);
    int smallW = reducedSize(width, c);
    Scratch scratch = Scratch.get();
    // Bounds as (first, count) pairs: columns down then up, rows down then up.
    int[] cols = scratch.ia(2 * (smallW + width));
    int[] rows = scratch.ib(2 * (smallH + height));
    boxBounds(width, smallW, cols, 0);
    boxBounds(smallW, width, cols, 2 * smallW);
    boxBounds(height, smallH, rows, 0);
    boxBounds(smallH, height, rows, 2 * smallH);
    double[] down = scratch.a(height * smallW);
    double[] small = scratch.b(smallH * smallW);
    double[] up = scratch.c(smallH * width);
    int plane = height * width;
    for (int ch = 0; ch < channels; ch++) {
      int in = srcOffset + ch * plane;
      // Down, rows: H x W -> H x smallW.
      for (int y = 0; y < height; y++) {
        int row = in + y * width;
        for (int xx = 0; xx < smallW; xx++) {
          int first = cols[2 * xx];
          int count = cols[2 * xx + 1];
          double s = 0;
          for (int x = first; x < first + count; x++) {
            s += src[row + x];
          }
          down[y * smallW + xx] = s / count;
        }
      }
      // Down, columns: H x smallW -> smallH x smallW.
      for (int yy = 0; yy < smallH; yy++) {
        int first = rows[2 * yy];
        int count = rows[2 * yy + 1];
        for (int xx = 0; xx < smallW; xx++) {
          double s = 0;
          for (int y = first; y < first + count; y++) {
            s += down[y * smallW + xx];
          }
          small[yy * smallW + xx] = s / count;
        }
      }
      // Up, rows: smallH x smallW -> smallH x W.
      int upCols = 2 * smallW;
      for (int yy = 0; yy < smallH; yy++) {
        for (int x = 0; x < width; x++) {
          int first = cols[upCols + 2 * x];
          int count = cols[upCols + 2 * x + 1];
          double s = 0;
          for (int xx = first; xx < first + count; xx++) {
            s += small[yy * smallW + xx];
          }
          up[yy * width + x] = s / count;
        }
      }
      // Up, columns: smallH x W -> H x W.
      int upRows = 2 * smallH;
      int out = dstOffset + ch * plane;
      for (int y = 0; y < height; y++) {
        int first = rows[upRows + 2 * y];
        int count = rows[upRows + 2 * y + 1];
        for (int x = 0; x < width; x++) {
          double s = 0;
          for (int yy = first; yy < first + count; yy++) {
            s += up[yy * width + x];
          }
          dst[out + y * width + x] = clip(s / count);
        }
      }
    }
  }

  /**
   * Pillow's BOX coefficients for resizing inSize → outSize, written as (first source index, number
   * of source pixels with weight 1) at bounds[offset + 2i], bounds[offset + 2i + 1].
   */
  static void boxBounds(int inSize, int outSize, int[] bounds, int offset) {
    double scale = (double) inSize / outSize;
    double filterScale = Math.max(scale, 1.0);
    double support = 0.5 * filterScale;
    double ss = 1.0 / filterScale;
    for (int i = 0; i < outSize; i++) {
      double center = (i + 0.5) * scale;
      int min = Math.max((int) (center - support + 0.5), 0);
      int max = Math.min((int) (center + support + 0.5), inSize);
      int first = -1;
      int count = 0;
      for (int x = min; x < max; x++) {
        double t = (x - center + 0.5) * ss;
        if (t > -0.5 && t <= 0.5) {
          if (first < 0) {
            first = x;
          }
          count++;
        }
      }
      if (count == 0) {
        throw new IllegalStateException("empty box for " + inSize + " -> " + outSize + " at " + i);
      }
      bounds[offset + 2 * i] = first;
      bounds[offset + 2 * i + 1] = count;
    }
  }
}
