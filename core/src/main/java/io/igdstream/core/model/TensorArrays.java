package io.igdstream.core.model;

import ai.djl.ndarray.NDArray;
import io.igdstream.core.io.TensorData;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Copies between DJL arrays and {@link TensorData} (float32 and float64, converting between them).
 */
public final class TensorArrays {

  private TensorArrays() {}

  /** A copy of {@code array}'s values (F32 or F64). */
  public static TensorData toTensorData(NDArray array) {
    long[] shape = array.getShape().getShape();
    return switch (array.getDataType()) {
      case FLOAT32 -> TensorData.ofFloats(shape, array.toFloatArray());
      case FLOAT64 -> TensorData.ofDoubles(shape, array.toDoubleArray());
      default -> throw new IllegalStateException("unsupported tensor type " + array.getDataType());
    };
  }

  /** Overwrites {@code target}'s values with {@code source}'s; the shapes must be equal. */
  public static void copyInto(NDArray target, TensorData source, String name) {
    long[] shape = target.getShape().getShape();
    if (!Arrays.equals(shape, source.shape())) {
      throw new IllegalArgumentException(
          "tensor '"
              + name
              + "' has shape "
              + Arrays.toString(source.shape())
              + ", expected "
              + Arrays.toString(shape));
    }
    if (!source.dtype().equals("F32") && !source.dtype().equals("F64")) {
      throw new IllegalArgumentException(
          "tensor '" + name + "' has type " + source.dtype() + ", expected F32 or F64");
    }
    switch (target.getDataType()) {
      case FLOAT64 ->
          target.set(
              DoubleBuffer.wrap(
                  source.dtype().equals("F64") ? source.toDoubles() : widen(source.toFloats())));
      case FLOAT32 ->
          target.set(
              FloatBuffer.wrap(
                  source.dtype().equals("F32") ? source.toFloats() : narrow(source.toDoubles())));
      default -> throw new IllegalStateException("unsupported tensor type " + target.getDataType());
    }
  }

  private static double[] widen(float[] values) {
    double[] d = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      d[i] = values[i];
    }
    return d;
  }

  private static float[] narrow(double[] values) {
    float[] f = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      f[i] = (float) values[i];
    }
    return f;
  }
}
