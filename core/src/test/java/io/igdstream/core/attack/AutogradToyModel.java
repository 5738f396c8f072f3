package io.igdstream.core.attack;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.igdstream.core.model.GradientModel;
import io.igdstream.core.model.Objective;
import java.util.function.UnaryOperator;

/**
 * A parameter-free GradientModel whose logits are a closed-form function of the input, with real
 * autograd input gradients (DJL's gradient collector), so attack tests can compute every loss and
 * gradient sign by hand. Rejects training mode: attacks must run the model in inference mode.
 */
final class AutogradToyModel implements GradientModel {

  private final int classes;
  private final UnaryOperator<NDArray> logits;
  int gradientCalls;
  final java.util.List<Long> gradientBatchSizes = new java.util.ArrayList<>();

  /** {@code logits} maps x (N, …) to (N, classes) with NDArray ops (so autograd sees them). */
  AutogradToyModel(int classes, UnaryOperator<NDArray> logits) {
    this.classes = classes;
    this.logits = logits;
  }

  /**
   * Logits (0, −(u − c_r)²) of images whose first pixel is u: CE and the second logit both peak at
   * u = c_r, row r's centre, and the gradient sign with respect to u is sign(c_r − u); every other
   * pixel has gradient 0.
   */
  static AutogradToyModel bump(float... centres) {
    return new AutogradToyModel(
        2,
        x -> {
          long n = x.getShape().get(0);
          NDArray u = x.reshape(n, -1).get(":, 0");
          NDArray c = u.getManager().create(java.util.Arrays.copyOf(centres, (int) n));
          NDArray z1 = u.sub(c).square().neg();
          return NDArrays.stack(new NDList(z1.zerosLike(), z1), 1);
        });
  }

  /** Logits = the flattened input itself (N, C·H·W): losses of x are losses of these logits. */
  static AutogradToyModel identity(int classes) {
    return new AutogradToyModel(classes, x -> x.reshape(x.getShape().get(0), -1));
  }

  @Override
  public NDArray logits(NDArray x, boolean training) {
    if (training) {
      throw new AssertionError("attacks must run the model in inference mode");
    }
    return logits.apply(x);
  }

  @Override
  public NDArray inputGradient(
      NDArray x, Objective objective, boolean training, boolean createGraph) {
    if (training || createGraph) {
      throw new AssertionError("attacks take input gradients in inference mode, without a graph");
    }
    gradientCalls++;
    gradientBatchSizes.add(x.getShape().get(0));
    try (NDManager scope = x.getManager().newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray leaf = x.duplicate();
      leaf.attach(scope);
      leaf.setRequiresGradient(true);
      collector.backward(objective.apply(logits(leaf, false)));
      NDArray gradient = leaf.getGradient().duplicate();
      gradient.attach(x.getManager());
      return gradient;
    }
  }

  @Override
  public int classes() {
    return classes;
  }
}
