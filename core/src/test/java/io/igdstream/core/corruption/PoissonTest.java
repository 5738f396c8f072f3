package io.igdstream.core.corruption;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The exact Poisson sampler on both sides of the Knuth / PTRS switch at λ = 10. */
class PoissonTest {

  @Test
  void meanAndVarianceEqualLambdaOnBothBranches() {
    // N = 200,000 draws: the mean has standard error √(λ/N); the sample variance of a Poisson has
    // relative standard error ≈ √((2 + 1/λ)/N) ≤ 0.5 % here for λ ≥ 0.3, so ±4 % is > 8 SE.
    int n = 200_000;
    Poisson poisson = new Poisson();
    SplittableRandom random = new SplittableRandom(2024);
    for (double lambda : new double[] {0.3, 2, 9.99, 10, 15, 60, 250, 10_000}) {
      double sum = 0;
      double sumSq = 0;
      for (int i = 0; i < n; i++) {
        double k = poisson.sample(random, lambda);
        sum += k;
        sumSq += k * k;
      }
      double mean = sum / n;
      double variance = (sumSq - n * mean * mean) / (n - 1);
      assertEquals(lambda, mean, 5 * Math.sqrt(lambda / n), "mean at lambda " + lambda);
      assertEquals(lambda, variance, 0.04 * lambda, "variance at lambda " + lambda);
    }
  }

  @Test
  void distributionMatchesTheExactProbabilityMassFunction() {
    // Empirical P(K = k) against p_k = e^−λ λ^k / k! (by the recurrence p_k = p_(k−1)·λ/k) for
    // every k with p_k > 1e−4; each bin within 5 standard errors √(p(1−p)/N). A normal
    // approximation fails this at λ = 10 (e.g. P(K ≤ 5) is 0.0671, the rounded normal 0.0774).
    int n = 400_000;
    Poisson poisson = new Poisson();
    SplittableRandom random = new SplittableRandom(77);
    for (double lambda : new double[] {3.5, 10, 14, 60}) {
      int bins = (int) (lambda + 12 * Math.sqrt(lambda) + 10);
      long[] counts = new long[bins];
      for (int i = 0; i < n; i++) {
        long k = poisson.sample(random, lambda);
        if (k < bins) {
          counts[(int) k]++;
        }
      }
      double p = Math.exp(-lambda);
      for (int k = 0; k < bins; k++) {
        if (k > 0) {
          p *= lambda / k;
        }
        if (p > 1e-4) {
          double observed = (double) counts[k] / n;
          double tolerance = 5 * Math.sqrt(p * (1 - p) / n);
          assertEquals(p, observed, tolerance, "lambda " + lambda + ", k " + k);
        }
      }
    }
  }

  @Test
  void probabilityOfZeroMatchesExpMinusLambda() {
    // P(K = 0) = e^−λ: at λ = 2, 0.1353; at λ = 10 (PTRS), 4.54e−5 — checked at λ = 2 only.
    int n = 200_000;
    Poisson poisson = new Poisson();
    SplittableRandom random = new SplittableRandom(5);
    int zeros = 0;
    for (int i = 0; i < n; i++) {
      if (poisson.sample(random, 2) == 0) {
        zeros++;
      }
    }
    double p = Math.exp(-2);
    assertEquals(p, (double) zeros / n, 5 * Math.sqrt(p * (1 - p) / n));
  }

  @Test
  void nonPositiveLambdaGivesZero() {
    Poisson poisson = new Poisson();
    SplittableRandom random = new SplittableRandom(1);
    assertEquals(0, poisson.sample(random, 0));
    assertEquals(0, poisson.sample(random, -3));
    assertEquals(0, poisson.sample(random, Double.NaN));
  }

  @Test
  void logFactorialIsContinuousAcrossTheTableEdge() {
    // ln 256! − ln 255! = ln 256 (table below 256, Stirling series from 256 on).
    assertEquals(Math.log(256), Poisson.logFactorial(256) - Poisson.logFactorial(255), 1e-10);
    assertEquals(Math.log(257), Poisson.logFactorial(257) - Poisson.logFactorial(256), 1e-10);
    // ln 3! = ln 6.
    assertEquals(Math.log(6), Poisson.logFactorial(3), 1e-12);
  }
}
