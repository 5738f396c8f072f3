package io.igdstream.core.metrics;

import java.util.Arrays;
import java.util.Objects;

/**
 * The Gini coefficient of a saliency map, the inequality measure of Duan et al., "Inequality
 * phenomenon in l∞-adversarial training, and its unrealized threats" (ICLR 2023), used by Chen,
 * Dong, Xie (2023, IGD) to show that IGD lowers it. docs/PROTOCOL.md §2.
 *
 * <p>Of the absolute values a sorted ascending a₍₁₎ ≤ … ≤ a₍ₙ₎: G = Σᵢ (2i − n − 1)·a₍ᵢ₎ / (n·Σa),
 * i = 1..n; G = 0 when Σa = 0. A uniform vector gives 0, a one-hot (n − 1)/n. Sums run in double.
 *
 * <p>Two scales: <em>pixel</em> ({@link #of}) over all C·H·W elements of one map, and
 * <em>regional</em> ({@link #regional}) over the b×b block means of |a| per channel after
 * reflect-padding H and W up to a multiple of b. <b>Decision</b> (docs/PROTOCOL.md §2): b = 4 for
 * images up to 32 px, 16 above ({@link #blockFor}).
 */
public final class Gini {

  /** Regional block side for images up to {@link #SMALL_IMAGE_PX} px. */
  public static final int SMALL_BLOCK = 4;

  /** Regional block side for larger images. */
  public static final int LARGE_BLOCK = 16;

  /** The largest side (px) that still counts as a small image. */
  public static final int SMALL_IMAGE_PX = 32;

  private Gini() {}

  /** Gini of |values| over the whole array. */
  public static double of(float[] values) {
    return of(values, 0, values.length);
  }

  /** Gini of |values[offset .. offset + length)|; 0 for an empty or all-zero range. */
  public static double of(float[] values, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, values.length);
    double[] a = new double[length];
    double sum = 0;
    for (int i = 0; i < length; i++) {
      a[i] = Math.abs((double) values[offset + i]);
      sum += a[i];
    }
    if (!(sum > 0)) {
      return 0;
    }
    Arrays.sort(a);
    double weighted = 0;
    for (int i = 0; i < length; i++) {
      weighted += (2.0 * (i + 1) - length - 1) * a[i];
    }
    return weighted / (length * sum);
  }

  /**
   * The (C, ⌈H/b⌉, ⌈W/b⌉) block means of |map| for one (C, H, W) map starting at {@code offset}: H
   * and W are padded at the bottom and right to a multiple of b in numpy's {@code 'reflect'} mode
   * (mirrored about the last row/column, which is not repeated: rows H, H+1, … copy H−2, H−3, …),
   * then each non-overlapping b×b block of each channel is averaged.
   */
  public static float[] regionalPool(
      float[] map, int offset, int channels, int height, int width, int block) {
    if (channels < 1 || height < 1 || width < 1) {
      throw new IllegalArgumentException(
          "map shape must be positive, was " + channels + "x" + height + "x" + width);
    }
    if (block < 1) {
      throw new IllegalArgumentException("block must be >= 1, was " + block);
    }
    Objects.checkFromIndexSize(offset, channels * height * width, map.length);
    int rows = ceilDiv(height, block);
    int cols = ceilDiv(width, block);
    float[] pooled = new float[channels * rows * cols];
    double area = (double) block * block;
    for (int c = 0; c < channels; c++) {
      int plane = offset + c * height * width;
      for (int br = 0; br < rows; br++) {
        for (int bc = 0; bc < cols; bc++) {
          double sum = 0;
          for (int dr = 0; dr < block; dr++) {
            int row = reflect(br * block + dr, height);
            for (int dc = 0; dc < block; dc++) {
              sum += Math.abs(map[plane + row * width + reflect(bc * block + dc, width)]);
            }
          }
          pooled[(c * rows + br) * cols + bc] = (float) (sum / area);
        }
      }
    }
    return pooled;
  }

  /** Regional Gini: {@link #of} over {@link #regionalPool}. */
  public static double regional(
      float[] map, int offset, int channels, int height, int width, int block) {
    return of(regionalPool(map, offset, channels, height, width, block));
  }

  /** The regional block side of docs/PROTOCOL.md §2's Decision: 4 when max(H, W) ≤ 32, else 16. */
  public static int blockFor(int height, int width) {
    if (height < 1 || width < 1) {
      throw new IllegalArgumentException(
          "image size must be positive, was " + height + "x" + width);
    }
    return Math.max(height, width) <= SMALL_IMAGE_PX ? SMALL_BLOCK : LARGE_BLOCK;
  }

  /** numpy 'reflect' index for position p ≥ 0 of an axis of length n (period 2(n − 1)). */
  static int reflect(int p, int n) {
    if (p < n) {
      return p;
    }
    if (n == 1) {
      return 0;
    }
    int period = 2 * (n - 1);
    int q = p % period;
    return q < n ? q : period - q;
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
