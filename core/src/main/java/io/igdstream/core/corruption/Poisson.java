package io.igdstream.core.corruption;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Exact Poisson(λ) sampler, structured as numpy's {@code random_poisson}.
 *
 * <ul>
 *   <li>λ ≤ 0 (or NaN): 0.
 *   <li>0 &lt; λ &lt; 10: Knuth's multiplication method — multiply uniforms until the product falls
 *       to e^−λ or below; expected λ + 1 uniforms.
 *   <li>λ ≥ 10: PTRS, transformed rejection with squeeze (W. Hörmann, "The transformed rejection
 *       method for generating Poisson random variables", Insurance: Mathematics and Economics 12,
 *       1993), constants as in the paper and numpy. About 1.15 uniform pairs per draw; the log test
 *       is needed only outside the squeeze, and its three logs are folded into one.
 * </ul>
 *
 * Both branches are exact (no normal approximation), so every moment is right at every λ.
 *
 * <p>An instance caches the per-λ constants (e^−λ, or √λ-derived PTRS constants and ln λ) in a
 * small direct-mapped table keyed by λ's bits: images hold few distinct levels (256 for 8-bit
 * data), so most draws skip the sqrt, divisions and logs. Instances are not thread-safe; use one
 * per thread.
 */
final class Poisson {

  private static final int LOG_TABLE = 256;

  /** LOG_FACTORIAL[k] = ln(k!) for k &lt; 256. */
  private static final double[] LOG_FACTORIAL = new double[LOG_TABLE];

  static {
    double sum = 0;
    for (int k = 1; k < LOG_TABLE; k++) {
      sum += Math.log(k);
      LOG_FACTORIAL[k] = sum;
    }
  }

  private static final int SLOT_BITS = 10;
  private static final int STRIDE = 6; // e^−λ | b, a, vr, ln(1/α), ln λ
  private final long[] keys = new long[1 << SLOT_BITS];
  private final double[] values = new double[STRIDE << SLOT_BITS];

  Poisson() {
    Arrays.fill(keys, -1L); // a NaN bit pattern, never a cached λ
  }

  /** One draw from Poisson(lambda). */
  long sample(SplittableRandom random, double lambda) {
    if (!(lambda > 0)) {
      return 0;
    }
    long bits = Double.doubleToRawLongBits(lambda);
    int slot = (int) ((bits * 0x9E3779B97F4A7C15L) >>> (64 - SLOT_BITS));
    int base = slot * STRIDE;
    if (keys[slot] != bits) {
      fill(lambda, base);
      keys[slot] = bits;
    }
    if (lambda < 10) {
      double limit = values[base];
      double product = random.nextDouble();
      long k = 0;
      while (product > limit) {
        k++;
        product *= random.nextDouble();
      }
      return k;
    }
    double b = values[base + 1];
    double a = values[base + 2];
    double vr = values[base + 3];
    while (true) {
      double u = random.nextDouble() - 0.5;
      double v = random.nextDouble();
      double us = 0.5 - Math.abs(u);
      long k = (long) Math.floor((2 * a / us + b) * u + lambda + 0.43);
      if (us >= 0.07 && v <= vr) {
        return k;
      }
      if (k < 0 || (us < 0.013 && v > us)) {
        continue;
      }
      // ln v + ln(1/α) − ln(a/us² + b) ≤ −λ + k ln λ − ln k!
      if (Math.log(v / (a / (us * us) + b)) + values[base + 4]
          <= -lambda + k * values[base + 5] - logFactorial(k)) {
        return k;
      }
    }
  }

  private void fill(double lambda, int base) {
    if (lambda < 10) {
      values[base] = Math.exp(-lambda);
      return;
    }
    double slam = Math.sqrt(lambda);
    double b = 0.931 + 2.53 * slam;
    values[base + 1] = b;
    values[base + 2] = -0.059 + 0.02483 * b;
    values[base + 3] = 0.9277 - 3.6224 / (b - 2);
    values[base + 4] = Math.log(1.1239 + 1.1328 / (b - 3.4));
    values[base + 5] = Math.log(lambda);
  }

  /** ln(k!) for k ≥ 0: a table below 256, Stirling's series (error &lt; 1e-15) above. */
  static double logFactorial(long k) {
    if (k < LOG_TABLE) {
      return LOG_FACTORIAL[(int) k];
    }
    double x = k + 1.0; // ln Γ(x)
    double inv = 1.0 / x;
    double inv2 = inv * inv;
    return (x - 0.5) * Math.log(x)
        - x
        + 0.5 * Math.log(2 * Math.PI)
        + inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 * (1.0 / 1260)));
  }
}
