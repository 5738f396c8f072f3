package io.igdstream.core.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** Moves batches between NDArrays and flat Java arrays for the metrics; temporaries are closed. */
final class Tensors {

  private Tensors() {}

  /** The values of {@code a} as float32, row-major. */
  static float[] floats(NDArray a) {
    if (a.getDataType() == DataType.FLOAT32) {
      return a.toFloatArray();
    }
    try (NDArray f = a.toType(DataType.FLOAT32, false)) {
      return f.toFloatArray();
    }
  }

  /** An array of {@code values} with {@code shape} and type {@code type}, in {@code manager}. */
  static NDArray create(NDManager manager, float[] values, Shape shape, DataType type) {
    NDArray a = manager.create(values, shape);
    return type == DataType.FLOAT32 ? a : a.toType(type, false);
  }

  /** Class indices (N) of a label array of any integer or float type. */
  static long[] labels(NDArray labels) {
    if (labels.getDataType() == DataType.INT64) {
      return labels.toLongArray();
    }
    try (NDArray l = labels.toType(DataType.INT64, false)) {
      return l.toLongArray();
    }
  }

  /** The arg-max class of each row of logits (N, K). */
  static long[] predictions(NDArray logits) {
    try (NDArray argMax = logits.argMax(1)) {
      return labels(argMax);
    }
  }

  /** N of an (N, C, H, W) batch, checked against the 4-d layout. */
  static int[] chw(NDArray x) {
    Shape s = x.getShape();
    if (s.dimension() != 4) {
      throw new IllegalArgumentException("x must be (N, C, H, W), was " + s);
    }
    return new int[] {(int) s.get(0), (int) s.get(1), (int) s.get(2), (int) s.get(3)};
  }

  static void checkBatch(int n, long[] sampleIds, long[] labels, float[] saliency, int imageSize) {
    if (sampleIds.length != n) {
      throw new IllegalArgumentException(
          "sampleIds must hold N = " + n + " ids, was " + sampleIds.length);
    }
    if (labels.length != n) {
      throw new IllegalArgumentException(
          "labels must hold N = " + n + " labels, was " + labels.length);
    }
    if (saliency != null && saliency.length != (long) n * imageSize) {
      throw new IllegalArgumentException(
          "saliency must hold N*C*H*W = "
              + (long) n * imageSize
              + " values, was "
              + saliency.length);
    }
  }
}
