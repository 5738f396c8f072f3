package io.igdstream.schemas;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Conversions between {@code float[]} and the {@link Tensor} record: float32 values, little-endian,
 * row-major in the order of {@code shape} (so a [C, H, W] image is C planes of H rows).
 */
public final class Tensors {

  private Tensors() {}

  /**
   * A tensor holding a copy of {@code values}.
   *
   * @throws IllegalArgumentException if a dimension is not positive or values.length is not the
   *     product of the dimensions
   */
  public static Tensor of(float[] values, int... shape) {
    long elements = 1;
    for (int d : shape) {
      if (d <= 0) {
        throw new IllegalArgumentException(
            "shape dimensions must be > 0, was " + Arrays.toString(shape));
      }
      elements *= d;
      if (elements > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "shape " + Arrays.toString(shape) + " has too many elements");
      }
    }
    if (values.length != elements) {
      throw new IllegalArgumentException(
          "values.length must be the product of shape "
              + Arrays.toString(shape)
              + " = "
              + elements
              + ", was "
              + values.length);
    }
    ByteBuffer data =
        ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    data.asFloatBuffer().put(values);
    List<Integer> dims = Arrays.stream(shape).boxed().toList();
    return Tensor.newBuilder().setShape(dims).setData(data).build();
  }

  /**
   * The tensor's values (a new array); the tensor's buffer position is left alone.
   *
   * @throws RecordDecodingException SHAPE_MISMATCH if the data is not a whole number of floats
   */
  public static float[] floats(Tensor tensor) {
    FloatBuffer view = view(tensor, "tensor");
    float[] values = new float[view.remaining()];
    view.get(values);
    return values;
  }

  /** The shape as an array. */
  public static int[] shape(Tensor tensor) {
    return tensor.getShape().stream().mapToInt(Integer::intValue).toArray();
  }

  /** A little-endian float view of the data, from its position to its limit. */
  static FloatBuffer view(Tensor tensor, String field) {
    ByteBuffer data = tensor.getData().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    if (data.remaining() % Float.BYTES != 0) {
      throw new RecordDecodingException(
          ReasonCode.SHAPE_MISMATCH,
          field + " data has " + data.remaining() + " bytes, not a multiple of 4");
    }
    return data.asFloatBuffer();
  }
}
