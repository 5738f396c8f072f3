package io.igdstream.core.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.SplittableRandom;

/**
 * Random arrays drawn in Java from an explicit seed rather than from libtorch's global generator,
 * so every draw is reproducible from (seed, what) alone and a resumed run repeats it exactly.
 */
public final class SeededNoise {

  private SeededNoise() {}

  /** U(lo, hi) with the shape and type of {@code like}, in {@code manager}. */
  public static NDArray uniform(NDManager manager, NDArray like, double lo, double hi, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] values = new float[Math.toIntExact(like.size())];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (lo + (hi - lo) * random.nextDouble());
    }
    return typed(manager.create(values, like.getShape()), like);
  }

  /** N(0, σ²) with the shape and type of {@code like}, in {@code manager}. */
  public static NDArray normal(NDManager manager, NDArray like, double sigma, long seed) {
    java.util.Random random = new java.util.Random(seed);
    float[] values = new float[Math.toIntExact(like.size())];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (sigma * random.nextGaussian());
    }
    return typed(manager.create(values, like.getShape()), like);
  }

  private static NDArray typed(NDArray values, NDArray like) {
    return values.getDataType() == like.getDataType()
        ? values
        : values.toType(like.getDataType(), false);
  }
}
