package io.igdstream.core.attack;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.igdstream.core.model.GradientModel;
import io.igdstream.core.model.Objective;

/**
 * A four-class linear GradientModel with one live decision boundary: z₀ = 0, z₁ = w·x + c and z₂ =
 * z₃ = −1000, so the prediction is 1 iff w·x + c &gt; 0 and the distance of x to the other class is
 * |w·x + c| / ‖w‖_q (q the dual norm) while the box does not bind. Gradients come from the engine's
 * autograd on the real logits, so any objective works.
 */
final class LinearPairModel implements GradientModel {

  private static final float DEAD = -1000f;

  private final float[] w;
  private final float c;

  LinearPairModel(float[] w, float c) {
    this.w = w.clone();
    this.c = c;
  }

  /** w·x + c of one flat image (double precision). */
  double margin(float[] x, int offset) {
    double m = c;
    for (int i = 0; i < w.length; i++) {
      m += (double) w[i] * x[offset + i];
    }
    return m;
  }

  /** The analytic distance to the boundary in {@code norm} (ℓ∞ uses ‖w‖₁, ℓ2 uses ‖w‖₂). */
  double distance(float[] x, int offset, Norm norm) {
    double q = 0;
    for (float wi : w) {
      q += norm == Norm.LINF ? Math.abs(wi) : (double) wi * wi;
    }
    return Math.abs(margin(x, offset)) / (norm == Norm.LINF ? q : Math.sqrt(q));
  }

  @Override
  public NDArray logits(NDArray x, boolean training) {
    if (training) {
      throw new AssertionError("attacks must run the model in inference mode");
    }
    long n = x.getShape().get(0);
    NDArray flat = x.reshape(n, -1);
    NDArray live = flat.matMul(x.getManager().create(w).reshape(w.length, 1)).add(c);
    NDArray zero = live.zerosLike();
    NDArray dead = live.zerosLike().add(DEAD);
    return NDArrays.concat(new NDList(zero, live, dead, dead), 1);
  }

  @Override
  public NDArray inputGradient(
      NDArray x, Objective objective, boolean training, boolean createGraph) {
    if (training || createGraph) {
      throw new AssertionError("FAB takes plain input gradients in inference mode");
    }
    try (NDManager scope = x.getManager().newSubManager()) {
      NDArray leaf = x.duplicate();
      leaf.attach(scope);
      leaf.setRequiresGradient(true);
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        collector.backward(objective.apply(logits(leaf, false)));
      }
      NDArray grad = leaf.getGradient().duplicate();
      grad.attach(x.getManager());
      return grad;
    }
  }

  @Override
  public int classes() {
    return 4;
  }
}
