package io.igdstream.core;

/**
 * SplitMix64-based seed derivation (Steele, Lea, Flood 2014), shared by batching, training steps
 * and the metrics, so every (seed, coordinate, …) gets an independent, reproducible stream.
 */
public final class Seeds {

  /** 2⁶⁴/φ, SplitMix64's increment. */
  public static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private Seeds() {}

  /** The SplitMix64 finaliser: a bijective 64-bit mix, so nearby inputs give unrelated outputs. */
  public static long splitMix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Combines a seed with one more coordinate; order matters, so (a, b) differs from (b, a). */
  public static long mix(long seed, long value) {
    return splitMix64(seed * GOLDEN + splitMix64(value + GOLDEN));
  }

  /**
   * A stable 64-bit hash of text (FNV-1a over its UTF-8 bytes), e.g. of a sample id or a test name.
   */
  public static long ofText(String text) {
    long hash = 0xCBF29CE484222325L;
    for (byte b : text.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      hash ^= b & 0xFF;
      hash *= 0x100000001B3L;
    }
    return hash;
  }
}
