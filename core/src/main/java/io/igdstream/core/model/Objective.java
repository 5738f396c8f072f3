package io.igdstream.core.model;

import ai.djl.ndarray.NDArray;

/**
 * A scalar function of a batch of logits (N, K) whose input gradient a {@link GradientModel}
 * computes: the true-class logit sum for saliency and IGD, the cross-entropy sum for attacks. Sums
 * rather than means, so each sample's gradient does not depend on the batch size.
 */
@FunctionalInterface
public interface Objective {

  /**
   * Returns a one-element array computed from {@code logits}; its arrays may join logits' manager.
   */
  NDArray apply(NDArray logits);
}
