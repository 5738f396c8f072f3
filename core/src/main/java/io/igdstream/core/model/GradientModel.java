package io.igdstream.core.model;

import ai.djl.ndarray.NDArray;

/**
 * The port through which attacks, metrics and training steps use a classifier: forward passes and
 * input gradients, with the mode (training or inference) passed on every call, so an attack cannot
 * leave a model in training mode. No caller needs engine classes.
 *
 * <p>Images are (N, C, H, W) in [0, 1]; logits are (N, K). Not thread-safe: all gradient work runs
 * on one thread per JVM (docs/STACK.md, "Double backprop", item 6).
 */
public interface GradientModel {

  /**
   * Logits of {@code x}; with {@code training} BatchNorm uses batch statistics and updates its
   * running ones.
   */
  NDArray logits(NDArray x, boolean training);

  /**
   * ∂ objective(f(x)) / ∂x, the same shape as x, attached to x's manager. Parameter gradients are
   * neither computed nor written. With {@code createGraph} the result stays differentiable with
   * respect to the parameters (double backprop, for the IGD term); call it inside a gradient
   * collector then.
   */
  NDArray inputGradient(NDArray x, Objective objective, boolean training, boolean createGraph);

  /** Number of classes K. */
  int classes();
}
