package io.igdstream.core.io;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The contents of a safetensors file: tensors in header order and the {@code __metadata__} strings
 * (empty when absent).
 *
 * @param tensors tensors by name, in the order of the header
 * @param metadata the {@code __metadata__} entries, in header order
 */
public record SafetensorsFile(
    LinkedHashMap<String, TensorData> tensors, Map<String, String> metadata) {

  public SafetensorsFile {
    Objects.requireNonNull(tensors, "tensors");
    metadata = metadata == null ? Map.of() : metadata;
  }

  /**
   * The tensor named {@code name}.
   *
   * @throws java.util.NoSuchElementException naming the missing tensor and the ones present
   */
  public TensorData tensor(String name) {
    TensorData t = tensors.get(name);
    if (t == null) {
      throw new java.util.NoSuchElementException(
          "no tensor '" + name + "' (present: " + tensors.keySet() + ")");
    }
    return t;
  }
}
