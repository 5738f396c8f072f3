package io.igdstream.core.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import io.igdstream.core.model.GradientModel;
import io.igdstream.core.model.Objective;

/** GradientModels built for the Square tests. */
final class SquareModels {

  private SquareModels() {}

  /**
   * Counts, per clean image, the forward rows that belong to it (a row belongs to the clean image
   * nearest to it in ℓ2, which must be within {@code radius} while every other is farther). It
   * fails on any gradient request or training-mode forward. Without clean images it only counts the
   * rows in total.
   */
  static final class Counting implements GradientModel {
    private final GradientModel inner;
    private final float[] clean;
    private final int d;
    private final double radius;
    final int[] rows;
    int calls;
    int totalRows;

    Counting(GradientModel inner, float[] clean, int images, double radius) {
      this.inner = inner;
      this.clean = clean;
      this.d = clean == null ? 0 : clean.length / images;
      this.radius = radius;
      this.rows = new int[images];
    }

    @Override
    public NDArray logits(NDArray x, boolean training) {
      if (training) {
        throw new AssertionError("Square must query in inference mode");
      }
      calls++;
      totalRows += (int) x.getShape().get(0);
      if (clean != null) {
        float[] batch = x.toFloatArray();
        for (int r = 0; r < batch.length / d; r++) {
          rows[owner(batch, r * d)]++;
        }
      }
      return inner.logits(x, false);
    }

    private int owner(float[] batch, int at) {
      int nearest = -1;
      for (int i = 0; i < rows.length; i++) {
        double sq = 0;
        for (int j = 0; j < d; j++) {
          double v = batch[at + j] - clean[i * d + j];
          sq += v * v;
        }
        if (Math.sqrt(sq) <= radius + 1e-5) {
          if (nearest >= 0) {
            throw new AssertionError("a queried row is within the radius of two images");
          }
          nearest = i;
        }
      }
      if (nearest < 0) {
        throw new AssertionError("a queried row is outside every image's ball");
      }
      return nearest;
    }

    @Override
    public NDArray inputGradient(
        NDArray x, Objective objective, boolean training, boolean createGraph) {
      throw new AssertionError("Square must never ask for a gradient");
    }

    @Override
    public int classes() {
      return inner.classes();
    }
  }

  /**
   * Gradient masking by quantisation: the inner model sees x rounded to multiples of 1/8, whose
   * derivative is 0 almost everywhere, so the input gradient is exactly zero (what autograd returns
   * through {@code round}) while the decisions are those of a working classifier.
   */
  static final class Quantised implements GradientModel {
    private final GradientModel inner;

    Quantised(GradientModel inner) {
      this.inner = inner;
    }

    @Override
    public NDArray logits(NDArray x, boolean training) {
      return inner.logits(x.mul(8).round().div(8), training);
    }

    @Override
    public NDArray inputGradient(
        NDArray x, Objective objective, boolean training, boolean createGraph) {
      return x.zerosLike();
    }

    @Override
    public int classes() {
      return inner.classes();
    }
  }

  /**
   * Two classes: z₀ = threshold − ‖x − 0.5‖ in the given norm (per image), z₁ = 0. Label 0 is right
   * while the image is within threshold of uniform grey, so any start ε from grey with ε >
   * threshold fools it at once.
   */
  static final class DistanceFromGrey implements GradientModel {
    private final Norm norm;
    private final float threshold;

    DistanceFromGrey(Norm norm, double threshold) {
      this.norm = norm;
      this.threshold = (float) threshold;
    }

    @Override
    public NDArray logits(NDArray x, boolean training) {
      NDArray delta = x.sub(0.5f).reshape(x.getShape().get(0), -1);
      NDArray distance =
          norm == Norm.LINF
              ? delta.abs().max(new int[] {1})
              : delta.square().sum(new int[] {1}).sqrt();
      NDArray z0 = distance.neg().add(threshold);
      return NDArrays.stack(new NDList(z0, z0.zerosLike()), 1);
    }

    @Override
    public NDArray inputGradient(
        NDArray x, Objective objective, boolean training, boolean createGraph) {
      throw new AssertionError("Square must never ask for a gradient");
    }

    @Override
    public int classes() {
      return 2;
    }
  }
}
