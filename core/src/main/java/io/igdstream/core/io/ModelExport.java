package io.igdstream.core.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a model's weights as a plain safetensors file that PyTorch's equivalent module loads with
 * {@code load_state_dict(strict=True)}: the state_dict names and layouts, BatchNorm's {@code
 * num_batches_tracked} buffers included, plus a JSON sidecar ({@code FILE.json}) that says what the
 * module is and how to feed it (inputs in [0, 1], no normalisation).
 */
public final class ModelExport {

  private ModelExport() {}

  /** Exports {@code model} to {@code file} and {@code file}.json; returns the sidecar's path. */
  public static Path export(Checkpoint model, Path file) {
    LinkedHashMap<String, TensorData> tensors = new LinkedHashMap<>();
    model
        .model()
        .forEach(
            (name, t) -> {
              tensors.put(name, t);
              if (name.endsWith(".running_var")) {
                String prefix = name.substring(0, name.length() - ".running_var".length());
                tensors.put(
                    prefix + ".num_batches_tracked",
                    TensorData.ofLongs(new long[0], new long[] {0}));
              }
            });
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("format", "pt");
    metadata.put("architecture", model.require("architecture"));
    Safetensors.write(file, tensors, metadata);

    Map<String, Object> sidecar = new LinkedHashMap<>();
    sidecar.put("architecture", model.require("architecture"));
    sidecar.put(
        "input_shape",
        List.of(
            model.requireLong("channels"),
            model.requireLong("height"),
            model.requireLong("width")));
    sidecar.put("classes", model.requireLong("classes"));
    sidecar.put("class_names", classNames(model));
    sidecar.put("dataset", model.metadata().getOrDefault("dataset", "unknown"));
    sidecar.put("method", model.metadata().getOrDefault("method", "unknown"));
    sidecar.put("input_range", List.of(0.0, 1.0));
    sidecar.put("normalization", "none");
    sidecar.put("layout", "NCHW float32");
    sidecar.put("weights", file.getFileName().toString());
    Path json = file.resolveSibling(file.getFileName() + ".json");
    try {
      Files.writeString(
          json,
          new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(sidecar)
              + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + json, e);
    }
    return json;
  }

  private static Object classNames(Checkpoint model) {
    String names = model.metadata().get("class_names");
    if (names == null) {
      return null;
    }
    try {
      return new ObjectMapper().readValue(names, List.class);
    } catch (IOException e) {
      throw new CheckpointException("checkpoint metadata class_names is not a JSON list: " + names);
    }
  }
}
