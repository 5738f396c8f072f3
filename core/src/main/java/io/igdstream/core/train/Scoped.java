package io.igdstream.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Puts a step's inputs into its scope: op results join their first operand's manager
 * (docs/STACK.md, "Double backprop", item 5).
 */
final class Scoped {

  private Scoped() {}

  /**
   * A copy of {@code array} owned by {@code scope}, so everything computed from it is freed with
   * it.
   */
  static NDArray copy(NDArray array, NDManager scope) {
    NDArray copy = array.duplicate();
    copy.attach(scope);
    return copy;
  }
}
