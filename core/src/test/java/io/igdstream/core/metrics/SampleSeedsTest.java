package io.igdstream.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SampleSeedsTest {

  @Test
  void isAFunctionOfSeedSampleAndTest() {
    assertEquals(
        SampleSeeds.of(7, 42, "inductive-noise"), SampleSeeds.of(7, 42, "inductive-noise"));
    assertNotEquals(
        SampleSeeds.of(7, 42, "inductive-noise"), SampleSeeds.of(8, 42, "inductive-noise"));
    assertNotEquals(
        SampleSeeds.of(7, 42, "inductive-noise"), SampleSeeds.of(7, 43, "inductive-noise"));
    assertNotEquals(
        SampleSeeds.of(7, 42, "inductive-noise"), SampleSeeds.of(7, 42, "random-noise/values"));
    assertNotEquals(SampleSeeds.of(1, 2, "t"), SampleSeeds.of(2, 1, "t"));
  }

  @Test
  void neighbouringInputsGiveDistinctWellSpreadSeeds() {
    Set<Long> seen = new HashSet<>();
    long ones = 0;
    for (long seed = 0; seed < 10; seed++) {
      for (long id = 0; id < 1000; id++) {
        long s = SampleSeeds.of(seed, id, "x");
        seen.add(s);
        ones += Long.bitCount(s);
      }
    }
    assertEquals(10_000, seen.size());
    double meanBits = ones / 10_000.0;
    assertEquals(32.0, meanBits, 0.5, "a well-mixed seed has half its bits set on average");
  }
}
