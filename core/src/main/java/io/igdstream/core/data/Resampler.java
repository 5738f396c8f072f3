package io.igdstream.core.data;

/**
 * Resizes single-channel uint8 planes with a separable triangle (bilinear) filter whose support
 * widens by the shrink factor, as PIL's BILINEAR does: upscaling interpolates, downscaling
 * averages. Pixel centres sit at {@code i + 0.5} (align_corners=false). Weights are precomputed
 * once per size pair; one instance is not thread-safe (it owns a scratch row buffer).
 */
final class Resampler {
  private final int inHeight;
  private final int inWidth;
  private final int outHeight;
  private final int outWidth;
  private final Axis rows;
  private final Axis cols;
  private final float[] scratch;

  Resampler(int inHeight, int inWidth, int outHeight, int outWidth) {
    this.inHeight = inHeight;
    this.inWidth = inWidth;
    this.outHeight = outHeight;
    this.outWidth = outWidth;
    this.rows = new Axis(inHeight, outHeight);
    this.cols = new Axis(inWidth, outWidth);
    this.scratch = new float[inHeight * outWidth];
  }

  /** Resizes the plane at {@code src[srcOffset..]} into {@code dst[dstOffset..]}. */
  void resize(byte[] src, int srcOffset, byte[] dst, int dstOffset) {
    // Horizontal pass into floats, then vertical pass with rounding, so rounding happens once.
    for (int y = 0; y < inHeight; y++) {
      int rowStart = srcOffset + y * inWidth;
      for (int x = 0; x < outWidth; x++) {
        int start = cols.start[x];
        int base = x * cols.taps;
        float sum = 0f;
        for (int k = 0; k < cols.count[x]; k++) {
          sum += cols.weights[base + k] * (src[rowStart + start + k] & 0xFF);
        }
        scratch[y * outWidth + x] = sum;
      }
    }
    for (int y = 0; y < outHeight; y++) {
      int start = rows.start[y];
      int base = y * rows.taps;
      for (int x = 0; x < outWidth; x++) {
        float sum = 0f;
        for (int k = 0; k < rows.count[y]; k++) {
          sum += rows.weights[base + k] * scratch[(start + k) * outWidth + x];
        }
        int v = Math.round(sum);
        dst[dstOffset + y * outWidth + x] = (byte) Math.max(0, Math.min(255, v));
      }
    }
  }

  /** Filter taps for one axis: output i reads inputs start[i] .. start[i]+count[i]-1. */
  private static final class Axis {
    final int taps;
    final int[] start;
    final int[] count;
    final float[] weights;

    Axis(int in, int out) {
      double scale = (double) in / out;
      double filterScale = Math.max(scale, 1.0);
      double support = filterScale; // triangle radius 1, stretched when shrinking
      taps = (int) Math.ceil(support) * 2 + 1;
      start = new int[out];
      count = new int[out];
      weights = new float[out * taps];
      for (int i = 0; i < out; i++) {
        double center = (i + 0.5) * scale;
        int lo = Math.max(0, (int) Math.floor(center - support));
        int hi = Math.min(in, (int) Math.ceil(center + support));
        double total = 0;
        int n = Math.min(hi - lo, taps);
        double[] w = new double[n];
        for (int k = 0; k < n; k++) {
          double d = Math.abs((lo + k + 0.5 - center) / filterScale);
          w[k] = Math.max(0.0, 1.0 - d);
          total += w[k];
        }
        start[i] = lo;
        count[i] = n;
        for (int k = 0; k < n; k++) {
          weights[i * taps + k] = (float) (total > 0 ? w[k] / total : (k == 0 ? 1 : 0));
        }
      }
    }
  }
}
