package io.igdstream.core.eval;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A measured rate with its 95 % interval (docs/PROTOCOL.md §2, uncertainty): Wilson's score
 * interval for a proportion, a seeded paired bootstrap for the difference of two models' rates on
 * the same images.
 *
 * @param estimate the measured value
 * @param low lower end of the 95 % interval
 * @param high upper end
 */
public record Interval(double estimate, double low, double high) {

  /** The two-sided 95 % normal quantile. */
  public static final double Z95 = 1.959963984540054;

  /** Resamples of {@link #pairedDifference}; enough for a stable 2.5 / 97.5 % percentile. */
  public static final int BOOTSTRAP_RESAMPLES = 10_000;

  /**
   * Wilson's score interval for {@code successes} out of {@code n}: unlike p ± z·√(p(1−p)/n) it
   * stays inside [0, 1] and is not degenerate at 0 or n successes, which matters for error rates of
   * a few images. n = 0 gives NaN.
   */
  public static Interval wilson(long successes, long n) {
    if (successes < 0 || successes > n) {
      throw new IllegalArgumentException("successes must be in [0, n], was " + successes + "/" + n);
    }
    if (n == 0) {
      return new Interval(Double.NaN, Double.NaN, Double.NaN);
    }
    double p = (double) successes / n;
    double z2 = Z95 * Z95;
    double denominator = 1 + z2 / n;
    double centre = (p + z2 / (2.0 * n)) / denominator;
    double half = Z95 / denominator * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
    // the exact ends at 0 and n successes (rounding would leave 1e-17 off them)
    double low = successes == 0 ? 0 : Math.max(0, centre - half);
    double high = successes == n ? 1 : Math.min(1, centre + half);
    return new Interval(p, low, high);
  }

  /**
   * The difference mean(a) − mean(b) of two per-image outcomes on the same images (e.g. correct
   * under attack for two models), with a 95 % percentile interval from a paired bootstrap: images
   * are resampled with their pair of outcomes, so the correlation between the models is kept (an
   * unpaired interval would be far too wide). Seeded, so a report reproduces.
   */
  public static Interval pairedDifference(boolean[] a, boolean[] b, long seed) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(
          "paired outcomes need the same images, had " + a.length + " and " + b.length);
    }
    int n = a.length;
    if (n == 0) {
      return new Interval(Double.NaN, Double.NaN, Double.NaN);
    }
    // Only the discordant pairs move the difference: +1 where only a holds, −1 where only b does.
    int[] d = new int[n];
    long sum = 0;
    for (int i = 0; i < n; i++) {
      d[i] = (a[i] ? 1 : 0) - (b[i] ? 1 : 0);
      sum += d[i];
    }
    SplittableRandom random = new SplittableRandom(seed);
    double[] means = new double[BOOTSTRAP_RESAMPLES];
    for (int r = 0; r < BOOTSTRAP_RESAMPLES; r++) {
      long s = 0;
      for (int i = 0; i < n; i++) {
        s += d[random.nextInt(n)];
      }
      means[r] = (double) s / n;
    }
    java.util.Arrays.sort(means);
    double low = means[(int) Math.floor(0.025 * (BOOTSTRAP_RESAMPLES - 1))];
    double high = means[(int) Math.ceil(0.975 * (BOOTSTRAP_RESAMPLES - 1))];
    return new Interval((double) sum / n, low, high);
  }

  /** Half the interval's width: the "± h" of a table. */
  public double halfWidth() {
    return (high - low) / 2;
  }

  /** {@code 0.682 [0.673, 0.691]} with the given number of decimals. */
  public String format(int decimals) {
    String f = "%." + decimals + "f";
    return String.format(Locale.ROOT, f + " [" + f + ", " + f + "]", estimate, low, high);
  }
}
