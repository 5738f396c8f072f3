package io.igdstream.schemas;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Checks on {@link Tensor} fields of decoded records. Each throws a {@link RecordDecodingException}
 * naming the field and the first offending element, with the dead-letter reason code. {@code field}
 * is the record field's name, used in the message.
 */
public final class TensorValidation {

  private TensorValidation() {}

  /**
   * The declared shape and the data agree: every dimension {@code > 0} and {@code data} is exactly
   * {@code 4·product(shape)} bytes (SHAPE_MISMATCH), neither above {@code maxBytes} (OVERSIZE).
   */
  public static void checkLayout(String field, Tensor tensor, long maxBytes) {
    List<Integer> shape = tensor.getShape();
    int dataBytes = tensor.getData().remaining();
    if (dataBytes > maxBytes) {
      throw new RecordDecodingException(
          ReasonCode.OVERSIZE,
          field + " has " + dataBytes + " data bytes, more than the limit " + maxBytes);
    }
    long bytes = Float.BYTES;
    for (Integer d : shape) {
      if (d == null || d <= 0) {
        throw new RecordDecodingException(
            ReasonCode.SHAPE_MISMATCH, field + " shape " + shape + " has a dimension <= 0");
      }
      bytes *= d;
      if (bytes > maxBytes) {
        throw new RecordDecodingException(
            ReasonCode.OVERSIZE,
            field + " shape " + shape + " needs more than the limit of " + maxBytes + " bytes");
      }
    }
    if (dataBytes != bytes) {
      throw new RecordDecodingException(
          ReasonCode.SHAPE_MISMATCH,
          field + " has " + dataBytes + " data bytes, shape " + shape + " needs " + bytes);
    }
  }

  /** The shape is exactly {@code expected}, e.g. the dataset's [C, H, W] (SHAPE_MISMATCH). */
  public static void checkShape(String field, Tensor tensor, int... expected) {
    List<Integer> shape = tensor.getShape();
    boolean equal = shape.size() == expected.length;
    for (int i = 0; equal && i < expected.length; i++) {
      equal = shape.get(i) != null && shape.get(i) == expected[i];
    }
    if (!equal) {
      throw new RecordDecodingException(
          ReasonCode.SHAPE_MISMATCH,
          field + " shape " + shape + ", expected " + Arrays.toString(expected));
    }
  }

  /** Every value is finite (NON_FINITE): for gradients and other unbounded tensors. */
  public static void checkFinite(String field, Tensor tensor) {
    FloatBuffer v = Tensors.view(tensor, field);
    for (int i = 0, n = v.limit(); i < n; i++) {
      float x = v.get(i);
      if (!Float.isFinite(x)) {
        throw new RecordDecodingException(ReasonCode.NON_FINITE, field + "[" + i + "] is " + x);
      }
    }
  }

  /** Every value is a pixel: finite (NON_FINITE) and in [0, 1] (PIXEL_OUT_OF_RANGE). */
  public static void checkPixels(String field, Tensor tensor) {
    FloatBuffer v = Tensors.view(tensor, field);
    for (int i = 0, n = v.limit(); i < n; i++) {
      float x = v.get(i);
      if (!(x >= 0f && x <= 1f)) {
        if (!Float.isFinite(x)) {
          throw new RecordDecodingException(ReasonCode.NON_FINITE, field + "[" + i + "] is " + x);
        }
        throw new RecordDecodingException(
            ReasonCode.PIXEL_OUT_OF_RANGE, field + "[" + i + "] = " + x + " is outside [0, 1]");
      }
    }
  }

  /** {@code 0 <= label < classes} and {@code classes >= 1} (LABEL_OUT_OF_RANGE). */
  public static void checkLabel(int label, int classes) {
    if (classes < 1) {
      throw new RecordDecodingException(
          ReasonCode.LABEL_OUT_OF_RANGE, "classes must be >= 1, was " + classes);
    }
    if (label < 0 || label >= classes) {
      throw new RecordDecodingException(
          ReasonCode.LABEL_OUT_OF_RANGE, "label " + label + " is outside [0, " + classes + ")");
    }
  }
}
