package io.igdstream.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IntervalTest {

  @Test
  void wilsonMatchesHandComputedIntervals() {
    // Computed by hand from the score formula with z = 1.96: 0/10 → [0, 0.2775];
    // 5/10 → [0.2366, 0.7634]; 81/100 → [0.7222, 0.8749]; 10/10 → [0.7225, 1].
    assertInterval(Interval.wilson(0, 10), 0.0, 0.0, 0.2775);
    assertInterval(Interval.wilson(5, 10), 0.5, 0.2366, 0.7634);
    assertInterval(Interval.wilson(81, 100), 0.81, 0.7222, 0.8749);
    assertInterval(Interval.wilson(10, 10), 1.0, 0.7225, 1.0);
  }

  @Test
  void wilsonNarrowsWithTheSampleAndAlwaysContainsTheEstimate() {
    Interval small = Interval.wilson(68, 100);
    Interval large = Interval.wilson(6800, 10_000);
    assertTrue(large.halfWidth() < small.halfWidth() / 5);
    for (int k = 0; k <= 30; k++) {
      Interval i = Interval.wilson(k, 30);
      assertTrue(i.low() <= i.estimate() && i.estimate() <= i.high(), i.toString());
      assertTrue(i.low() >= 0 && i.high() <= 1, i.toString());
    }
  }

  @Test
  void wilsonRejectsImpossibleCounts() {
    assertThrows(IllegalArgumentException.class, () -> Interval.wilson(11, 10));
    assertTrue(Double.isNaN(Interval.wilson(0, 0).estimate()));
  }

  @Test
  void pairedDifferenceOfIdenticalOutcomesIsExactlyZero() {
    boolean[] a = random(500, 0.7, 1);
    Interval d = Interval.pairedDifference(a, a.clone(), 3);
    assertEquals(0.0, d.estimate());
    assertEquals(0.0, d.low());
    assertEquals(0.0, d.high());
  }

  @Test
  void pairedDifferenceIsNarrowerThanUnpairedWhenModelsAgreeMostly() {
    // b = a except on 20 of 1,000 images where a is right and b wrong: the difference is 2 points,
    // clearly above 0 when paired, while the two Wilson intervals (unpaired) overlap.
    boolean[] a = random(1000, 0.7, 2);
    boolean[] b = a.clone();
    int flipped = 0;
    for (int i = 0; i < b.length && flipped < 20; i++) {
      if (b[i]) {
        b[i] = false;
        flipped++;
      }
    }
    Interval d = Interval.pairedDifference(a, b, 5);
    assertEquals(0.02, d.estimate(), 1e-12);
    assertTrue(d.low() > 0, d.toString());
    assertTrue(d.low() <= d.estimate() && d.estimate() <= d.high());
    Interval wa = Interval.wilson(count(a), a.length);
    Interval wb = Interval.wilson(count(b), b.length);
    assertTrue(wb.high() > wa.low(), "unpaired intervals overlap");
  }

  @Test
  void pairedDifferenceIsSeeded() {
    boolean[] a = random(300, 0.6, 7);
    boolean[] b = random(300, 0.5, 8);
    assertEquals(Interval.pairedDifference(a, b, 11), Interval.pairedDifference(a, b, 11));
    assertThrows(
        IllegalArgumentException.class,
        () -> Interval.pairedDifference(new boolean[3], new boolean[4], 1));
  }

  @Test
  void formatsAsEstimateAndBounds() {
    assertEquals("0.500 [0.237, 0.763]", Interval.wilson(5, 10).format(3));
  }

  private static void assertInterval(Interval i, double estimate, double low, double high) {
    assertEquals(estimate, i.estimate(), 1e-12);
    assertEquals(low, i.low(), 1e-4, "low of " + i);
    assertEquals(high, i.high(), 1e-4, "high of " + i);
  }

  private static boolean[] random(int n, double p, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    boolean[] out = new boolean[n];
    for (int i = 0; i < n; i++) {
      out[i] = r.nextDouble() < p;
    }
    return out;
  }

  private static int count(boolean[] v) {
    int c = 0;
    for (boolean b : v) {
      c += b ? 1 : 0;
    }
    return c;
  }
}
