package io.igdstream.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * The loss terms of one training step, for logging. Terms a method does not have are NaN.
 *
 * @param total the loss that was minimised
 * @param ce cross-entropy (on x_adv for PGDAT/IGD, on x for NAT/TRADES)
 * @param cos mean cosine similarity of student and teacher input gradients (IGD methods)
 * @param kl mean KL(f(x) ‖ f(x_adv)) (TRADES methods)
 */
public record StepTerms(double total, double ce, double cos, double kl) {

  /** The value of a one-element array of any float type. */
  static double scalar(NDArray value) {
    return value.getDataType() == DataType.FLOAT64 ? value.getDouble() : value.getFloat();
  }

  public static StepTerms of(double total, double ce) {
    return new StepTerms(total, ce, Double.NaN, Double.NaN);
  }
}
