package io.igdstream.core.metrics;

import ai.djl.ndarray.NDArray;
import io.igdstream.core.model.GradientModel;
import io.igdstream.core.model.Objectives;

/**
 * The saliency map of Duan et al. (ICLR 2023) and Chen, Dong, Xie (2023, IGD): a = ∂z_y/∂x, the
 * signed gradient of the true-class logit with respect to the input, per sample, with the model in
 * inference mode (docs/PROTOCOL.md §2). Shape (N, C, H, W) like x, x's type, attached to x's
 * manager (close it when done).
 */
public final class Saliency {

  private Saliency() {}

  /** ∂z_y/∂x for images x (N, C, H, W) in [0, 1] and class indices {@code labels} (N). */
  public static NDArray of(GradientModel model, NDArray x, NDArray labels) {
    return model.inputGradient(x, Objectives.trueClassLogit(labels), false, false);
  }

  /** The same, read into a flat float array (N·C·H·W, row-major); the NDArray is closed. */
  public static float[] floats(GradientModel model, NDArray x, NDArray labels) {
    try (NDArray a = of(model, x, labels)) {
      return Tensors.floats(a);
    }
  }
}
