package io.igdstream.core.metrics;

/**
 * Misclassification counts of a noise metric at each perturbed fraction t: {@code errors[i]} of
 * {@code samples} samples were misclassified at {@code fractions[i]}. The accessors return copies;
 * {@code equals} compares the arrays by identity, as for every record.
 */
public record FractionErrors(double[] fractions, int[] errors, int samples) {

  public FractionErrors {
    if (fractions.length != errors.length) {
      throw new IllegalArgumentException(
          "fractions and errors must have the same length, were "
              + fractions.length
              + " and "
              + errors.length);
    }
    fractions = fractions.clone();
    errors = errors.clone();
  }

  /** errors[i] / samples; 0 when there are no samples. */
  public double errorRate(int i) {
    return samples == 0 ? 0 : (double) errors[i] / samples;
  }

  @Override
  public double[] fractions() {
    return fractions.clone();
  }

  @Override
  public int[] errors() {
    return errors.clone();
  }

  /** Adds another batch's counts at the same fractions. */
  public FractionErrors plus(FractionErrors other) {
    if (!java.util.Arrays.equals(fractions, other.fractions)) {
      throw new IllegalArgumentException("fractions differ: cannot add counts");
    }
    int[] sum = errors.clone();
    for (int i = 0; i < sum.length; i++) {
      sum[i] += other.errors[i];
    }
    return new FractionErrors(fractions, sum, samples + other.samples);
  }
}
