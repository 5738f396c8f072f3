package io.igdstream.core.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.igdstream.core.model.GradientModel;

/**
 * Counts a model's errors on perturbed copies of a batch: the last step of every perturbation test.
 */
public final class Misclassified {

  private Misclassified() {}

  /**
   * Forward of {@code perturbed} (x's shape and type) in inference mode, in a sub-manager; counts
   * argmax ≠ y.
   */
  public static int count(GradientModel model, NDArray x, float[] perturbed, long[] y) {
    try (NDManager scope = x.getManager().newSubManager()) {
      NDArray xp = Tensors.create(scope, perturbed, x.getShape(), x.getDataType());
      long[] predicted = Tensors.predictions(model.logits(xp, false));
      int errors = 0;
      for (int i = 0; i < y.length; i++) {
        errors += predicted[i] != y[i] ? 1 : 0;
      }
      return errors;
    }
  }
}
