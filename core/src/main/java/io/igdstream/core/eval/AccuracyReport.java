package io.igdstream.core.eval;

/**
 * Clean and robust accuracy over {@code samples} test images. A sample counts as robust when it is
 * classified correctly both clean and under the attack (RobustBench's convention), so robust ≤ clean.
 */
public record AccuracyReport(int samples, int cleanCorrect, int robustCorrect, String attack, double seconds) {

  public double cleanAccuracy() {
    return samples == 0 ? 0 : (double) cleanCorrect / samples;
  }

  public double robustAccuracy() {
    return samples == 0 ? 0 : (double) robustCorrect / samples;
  }
}
