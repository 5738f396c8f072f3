package io.igdstream.core.metrics;

import java.util.Arrays;
import java.util.Objects;

/** Indices of the largest signed values of a range, largest first, ties to the lower index. */
final class TopK {

  private TopK() {}

  /**
   * The positions (relative to {@code offset}) of the k largest of values[offset .. offset +
   * length).
   */
  static int[] largest(float[] values, int offset, int length, int k) {
    Objects.checkFromIndexSize(offset, length, values.length);
    if (k < 0 || k > length) {
      throw new IllegalArgumentException("k must be in [0, " + length + "], was " + k);
    }
    // Sort (order key, index) pairs packed into longs: no boxing, and a total order on floats.
    long[] keys = new long[length];
    for (int i = 0; i < length; i++) {
      int bits = Float.floatToIntBits(values[offset + i] + 0.0f); // -0 → +0
      int ordered = bits ^ ((bits >> 31) & 0x7FFFFFFF); // signed int order = float order
      keys[i] = ((long) ~ordered << 32) | i; // ~ reverses the order: largest first
    }
    Arrays.sort(keys);
    int[] top = new int[k];
    for (int i = 0; i < k; i++) {
      top[i] = (int) keys[i];
    }
    return top;
  }
}
