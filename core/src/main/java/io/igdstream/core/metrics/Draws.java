package io.igdstream.core.metrics;

import java.util.Random;

/**
 * The seeded draws of the noise metrics. {@link java.util.Random} because its Javadoc fixes the
 * algorithm (LCG, polar Gaussian), so a seed gives the same draws on every JDK.
 */
final class Draws {

  private Draws() {}

  /** {@code size} i.i.d. N(0, 1) values from {@code seed}. */
  static float[] normal(long seed, int size) {
    Random random = new Random(seed);
    float[] values = new float[size];
    for (int i = 0; i < size; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }

  /**
   * {@code k} distinct indices of [0, size) drawn uniformly without replacement: the first k steps
   * of a Fisher–Yates shuffle from {@code seed}. The draw for k is a prefix of the draw for k' > k.
   */
  static int[] withoutReplacement(long seed, int size, int k) {
    if (k < 0 || k > size) {
      throw new IllegalArgumentException("k must be in [0, " + size + "], was " + k);
    }
    Random random = new Random(seed);
    int[] perm = new int[size];
    for (int i = 0; i < size; i++) {
      perm[i] = i;
    }
    for (int i = 0; i < k; i++) {
      int j = i + random.nextInt(size - i);
      int swap = perm[i];
      perm[i] = perm[j];
      perm[j] = swap;
    }
    return java.util.Arrays.copyOf(perm, k);
  }
}
