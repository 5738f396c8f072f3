package io.igdstream.core.io;

/**
 * The element types of the safetensors format, by their header names ({@code "F32"}, ...), with the
 * size of one element in bytes. All are little-endian in the file.
 */
public enum SafetensorsDtype {
  BOOL(1),
  U8(1),
  I8(1),
  F8_E4M3(1),
  F8_E5M2(1),
  I16(2),
  U16(2),
  F16(2),
  BF16(2),
  I32(4),
  U32(4),
  F32(4),
  F64(8),
  I64(8),
  U64(8);

  private final int elementSize;

  SafetensorsDtype(int elementSize) {
    this.elementSize = elementSize;
  }

  /** Bytes per element. */
  public int elementSize() {
    return elementSize;
  }

  /**
   * The dtype with this exact header name (case-sensitive, as in the format).
   *
   * @throws SafetensorsFormatException naming the dtype when it is unknown
   */
  public static SafetensorsDtype of(String name) {
    if (name != null) {
      for (SafetensorsDtype d : values()) {
        if (d.name().equals(name)) {
          return d;
        }
      }
    }
    throw new SafetensorsFormatException(
        "unknown dtype '" + name + "' (known: " + String.join(", ", names()) + ")");
  }

  /** Whether {@code name} is a known header dtype name. */
  public static boolean isKnown(String name) {
    for (SafetensorsDtype d : values()) {
      if (d.name().equals(name)) {
        return true;
      }
    }
    return false;
  }

  private static String[] names() {
    SafetensorsDtype[] v = values();
    String[] n = new String[v.length];
    for (int i = 0; i < v.length; i++) {
      n[i] = v[i].name();
    }
    return n;
  }
}
