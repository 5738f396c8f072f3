package io.igdstream.core.train;

/**
 * What the IGD input gradients differentiate (docs/PROTOCOL.md §1: setting {@code
 * gradient-target}).
 */
public enum GradientTarget {
  /** The true-class logit z_y, the saliency of the evaluation (the default). */
  LOGIT,
  /** The cross-entropy loss. */
  CE;

  public static GradientTarget of(String value) {
    return switch (value) {
      case "logit" -> LOGIT;
      case "ce" -> CE;
      default ->
          throw new IllegalArgumentException(
              "igd.igd.gradient-target must be logit or ce, was '" + value + "'");
    };
  }
}
