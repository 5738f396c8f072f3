package io.igdstream.core.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor as stored in a safetensors file: a dtype name ({@code "F32"}, {@code "F64"}, {@code
 * "I64"}, ... see {@link SafetensorsDtype}), a shape (row-major, {@code []} for a scalar) and the
 * raw little-endian bytes.
 *
 * <p>The constructor checks that {@code data.length == elementSize(dtype) * product(shape)}. The
 * shape is copied; the data array is not (tensors can be large), so callers must not change it
 * after handing it over. {@link #equals} and {@link #hashCode} compare contents.
 *
 * @param dtype header dtype name, e.g. {@code "F32"}
 * @param shape dimensions, each {@code >= 0}
 * @param data little-endian element bytes, row-major
 */
public record TensorData(String dtype, long[] shape, byte[] data) {

  /** Validates dtype, shape and data length. */
  public TensorData {
    Objects.requireNonNull(dtype, "dtype");
    Objects.requireNonNull(shape, "shape");
    Objects.requireNonNull(data, "data");
    SafetensorsDtype d = SafetensorsDtype.of(dtype);
    shape = shape.clone();
    long expected = Math.multiplyExact(elementCount(shape), (long) d.elementSize());
    if (data.length != expected) {
      throw new SafetensorsFormatException(
          "data has "
              + data.length
              + " bytes but "
              + dtype
              + " "
              + Arrays.toString(shape)
              + " needs "
              + expected);
    }
  }

  /** An F32 tensor holding {@code values} (row-major). */
  public static TensorData ofFloats(long[] shape, float[] values) {
    checkCount(shape, values.length);
    ByteBuffer b = buffer(values.length * 4L);
    b.asFloatBuffer().put(values);
    return new TensorData("F32", shape, b.array());
  }

  /** An F64 tensor holding {@code values} (row-major). */
  public static TensorData ofDoubles(long[] shape, double[] values) {
    checkCount(shape, values.length);
    ByteBuffer b = buffer(values.length * 8L);
    b.asDoubleBuffer().put(values);
    return new TensorData("F64", shape, b.array());
  }

  /** An I64 tensor holding {@code values} (row-major). */
  public static TensorData ofLongs(long[] shape, long[] values) {
    checkCount(shape, values.length);
    ByteBuffer b = buffer(values.length * 8L);
    b.asLongBuffer().put(values);
    return new TensorData("I64", shape, b.array());
  }

  /** An I32 tensor holding {@code values} (row-major). */
  public static TensorData ofInts(long[] shape, int[] values) {
    checkCount(shape, values.length);
    ByteBuffer b = buffer(values.length * 4L);
    b.asIntBuffer().put(values);
    return new TensorData("I32", shape, b.array());
  }

  /** The dtype as an enum. */
  public SafetensorsDtype dtypeEnum() {
    return SafetensorsDtype.of(dtype);
  }

  /** A copy of the shape. */
  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** Number of dimensions. */
  public int rank() {
    return shape.length;
  }

  /** Product of the shape (1 for a scalar). */
  public long elementCount() {
    return elementCount(shape);
  }

  /**
   * The values as floats: exact for F32, F16 and BF16.
   *
   * @throws IllegalStateException for any other dtype
   */
  public float[] toFloats() {
    int n = intCount();
    float[] out = new float[n];
    ByteBuffer b = view();
    switch (dtypeEnum()) {
      case F32 -> b.asFloatBuffer().get(out);
      case F16 -> {
        for (int i = 0; i < n; i++) {
          out[i] = halfToFloat(b.getShort(2 * i));
        }
      }
      case BF16 -> {
        for (int i = 0; i < n; i++) {
          out[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16);
        }
      }
      default -> throw cannotRead("floats");
    }
    return out;
  }

  /**
   * This tensor as F32: itself when it is F32, else a converted copy (exact for F16 and BF16,
   * rounded to nearest for F64).
   *
   * @throws IllegalStateException for a non-float dtype
   */
  public TensorData toF32() {
    return switch (dtypeEnum()) {
      case F32 -> this;
      case F16, BF16 -> ofFloats(shape, toFloats());
      case F64 -> {
        double[] d = toDoubles();
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
          f[i] = (float) d[i];
        }
        yield ofFloats(shape, f);
      }
      default -> throw cannotRead("F32");
    };
  }

  /**
   * The values as doubles: exact for F64, F32, F16 and BF16.
   *
   * @throws IllegalStateException for any other dtype
   */
  public double[] toDoubles() {
    int n = intCount();
    double[] out = new double[n];
    switch (dtypeEnum()) {
      case F64 -> view().asDoubleBuffer().get(out);
      case F32, F16, BF16 -> {
        float[] f = toFloats();
        for (int i = 0; i < n; i++) {
          out[i] = f[i];
        }
      }
      default -> throw cannotRead("doubles");
    }
    return out;
  }

  /**
   * The values as longs: exact for I64 and the narrower integer types (U8, I8, I16, U16, I32, U32,
   * BOOL as 0/1).
   *
   * @throws IllegalStateException for any other dtype (U64 included, as it may not fit)
   */
  public long[] toLongs() {
    int n = intCount();
    long[] out = new long[n];
    ByteBuffer b = view();
    switch (dtypeEnum()) {
      case I64 -> b.asLongBuffer().get(out);
      case I32 -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.getInt(4 * i);
        }
      }
      case U32 -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.getInt(4 * i) & 0xffffffffL;
        }
      }
      case I16 -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.getShort(2 * i);
        }
      }
      case U16 -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.getShort(2 * i) & 0xffff;
        }
      }
      case I8 -> {
        for (int i = 0; i < n; i++) {
          out[i] = data[i];
        }
      }
      case U8 -> {
        for (int i = 0; i < n; i++) {
          out[i] = data[i] & 0xff;
        }
      }
      case BOOL -> {
        for (int i = 0; i < n; i++) {
          out[i] = data[i] != 0 ? 1 : 0;
        }
      }
      default -> throw cannotRead("longs");
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorData t
        && dtype.equals(t.dtype)
        && Arrays.equals(shape, t.shape)
        && Arrays.equals(data, t.data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(dtype, Arrays.hashCode(shape), Arrays.hashCode(data));
  }

  @Override
  public String toString() {
    return "TensorData[" + dtype + " " + Arrays.toString(shape) + ", " + data.length + " bytes]";
  }

  /** Product of {@code shape}, rejecting negative dimensions and overflow. */
  static long elementCount(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new SafetensorsFormatException(
            "shape " + Arrays.toString(shape) + " has a negative dimension");
      }
      try {
        n = Math.multiplyExact(n, d);
      } catch (ArithmeticException e) {
        throw new SafetensorsFormatException(
            "shape " + Arrays.toString(shape) + " has too many elements", e);
      }
    }
    return n;
  }

  /** IEEE 754 binary16 to float (Float.float16ToFloat needs Java 20). */
  static float halfToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) { // inf / nan
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) { // zero / subnormal: mant * 2^-24
      float v = mant * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  private static void checkCount(long[] shape, int length) {
    long n = elementCount(shape);
    if (n != length) {
      throw new SafetensorsFormatException(
          "shape " + Arrays.toString(shape) + " holds " + n + " elements but " + length + " given");
    }
  }

  private static ByteBuffer buffer(long bytes) {
    if (bytes > Integer.MAX_VALUE - 8) {
      throw new SafetensorsFormatException("tensor of " + bytes + " bytes exceeds 2 GiB");
    }
    return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  private ByteBuffer view() {
    return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
  }

  private int intCount() {
    return Math.toIntExact(elementCount());
  }

  private IllegalStateException cannotRead(String as) {
    return new IllegalStateException("tensor of dtype " + dtype + " cannot be read as " + as);
  }
}
