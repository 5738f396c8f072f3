package io.igdstream.core.train;

/**
 * The loss terms of one training step, for logging. Terms a method does not have are NaN.
 *
 * @param total the loss that was minimised
 * @param ce cross-entropy (on x_adv for PGDAT/IGD, on x for NAT/TRADES)
 * @param cos mean cosine similarity of student and teacher input gradients (IGD methods)
 * @param kl mean KL(f(x) ‖ f(x_adv)) (TRADES methods)
 */
public record StepTerms(double total, double ce, double cos, double kl) {

  public static StepTerms of(double total, double ce) {
    return new StepTerms(total, ce, Double.NaN, Double.NaN);
  }
}
