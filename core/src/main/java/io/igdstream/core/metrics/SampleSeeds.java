package io.igdstream.core.metrics;

import io.igdstream.core.Seeds;

/**
 * Seeds for the random draws of the robustness metrics: every draw is seeded from (run seed, sample
 * id, test name) alone, so a sample gets the same noise whatever batch it lands in, and a re-run or
 * resumed evaluation repeats it exactly.
 *
 * <p>The three coordinates are combined by SplitMix64 (Steele, Lea, Flood 2014), whose finaliser is
 * a bijective 64-bit mix: nearby inputs give unrelated seeds. The test name enters through a 64-bit
 * FNV-1a hash of its UTF-8 bytes (stable across JVMs, unlike a salted hash).
 */
public final class SampleSeeds {

  private SampleSeeds() {}

  /**
   * A well-mixed seed for {@code test}'s draw on sample {@code sampleId} in a run seeded {@code
   * seed}.
   */
  public static long of(long seed, long sampleId, String test) {
    long z = Seeds.mix(seed, sampleId);
    return Seeds.mix(z, Seeds.ofText(test));
  }
}
