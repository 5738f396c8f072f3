package io.igdstream.core.model;

import ai.djl.ndarray.NDArray;

/** The two autograd controls a training loop needs outside a gradient collector. */
public final class Autograd {

  private Autograd() {}

  /**
   * Runs {@code body} with libtorch's grad mode off: in-place weight updates must not be recorded.
   */
  public static void noGrad(Runnable body) {
    LibTorchAutograd.withGradMode(
        false,
        () -> {
          body.run();
          return null;
        });
  }

  /** Zeroes {@code leaf.grad} in place, as PyTorch's {@code zero_grad(set_to_none=False)}. */
  public static void zeroGradient(NDArray leaf) {
    LibTorchAutograd.zeroGrad(leaf);
  }
}
