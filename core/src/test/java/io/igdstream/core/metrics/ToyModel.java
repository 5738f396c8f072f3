package io.igdstream.core.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import io.igdstream.core.model.GradientModel;
import io.igdstream.core.model.Objective;
import java.util.ArrayList;
import java.util.List;

/**
 * A two-class GradientModel whose decision is known in closed form: z₀ = 0.6 − mean(x), z₁ = 0, so
 * class 0 iff the mean pixel is below 0.6. Its "input gradient" is a saliency fixed by the test.
 * Counts calls and records forward batch sizes.
 */
final class ToyModel implements GradientModel {

  static final float THRESHOLD = 0.6f;

  private final float[] saliency;
  int forwardCalls;
  int gradientCalls;
  final List<Long> batchSizes = new ArrayList<>();

  ToyModel(float[] saliency) {
    this.saliency = saliency;
  }

  @Override
  public NDArray logits(NDArray x, boolean training) {
    if (training) {
      throw new AssertionError("metrics must run the model in inference mode");
    }
    forwardCalls++;
    batchSizes.add(x.getShape().get(0));
    NDArray mean = x.reshape(x.getShape().get(0), -1).mean(new int[] {1});
    NDArray z0 = mean.neg().add(THRESHOLD);
    return NDArrays.stack(new NDList(z0, z0.zerosLike()), 1);
  }

  @Override
  public NDArray inputGradient(
      NDArray x, Objective objective, boolean training, boolean createGraph) {
    if (training || createGraph) {
      throw new AssertionError("saliency is taken in inference mode without a graph");
    }
    gradientCalls++;
    return x.getManager().create(saliency, x.getShape());
  }

  @Override
  public int classes() {
    return 2;
  }

  static double mean(float[] x, int offset, int size) {
    double sum = 0;
    for (int i = 0; i < size; i++) {
      sum += x[offset + i];
    }
    return sum / size;
  }
}
