package io.igdstream.core.io;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A saved model, and for a training checkpoint also its optimiser state and position: one
 * safetensors file with tensors {@code model.<pytorch name>} and {@code optimizer.<name>} and the
 * rest (architecture, shapes, step, epoch, settings, …) as string metadata. A final model is a
 * checkpoint without optimiser tensors, so {@code igd eval} and {@code --teacher} take either.
 */
public record Checkpoint(
    Map<String, String> metadata,
    LinkedHashMap<String, TensorData> model,
    LinkedHashMap<String, TensorData> optimizer) {

  /** The metadata key and value that mark an igd-stream file. */
  public static final String FORMAT_KEY = "format";

  public static final String FORMAT = "igd-stream/checkpoint-1";

  private static final String MODEL_PREFIX = "model.";
  private static final String OPTIMIZER_PREFIX = "optimizer.";

  public Checkpoint {
    metadata = Map.copyOf(metadata);
  }

  /** A metadata value; the error names the file's missing key. */
  public String require(String key) {
    String value = metadata.get(key);
    if (value == null) {
      throw new CheckpointException("checkpoint metadata lacks '" + key + "'");
    }
    return value;
  }

  public long requireLong(String key) {
    try {
      return Long.parseLong(require(key));
    } catch (NumberFormatException e) {
      throw new CheckpointException(
          "checkpoint metadata '" + key + "' is not a number: " + metadata.get(key));
    }
  }

  /** Writes the file atomically (temp file, fsync, rename). */
  public void write(Path file) {
    Safetensors.write(file, tensors(), formatMetadata());
  }

  /** The same bytes {@link #write} puts in a file (a model snapshot's payload). */
  public byte[] encode() {
    return Safetensors.encode(tensors(), formatMetadata());
  }

  /** Reads a checkpoint from bytes {@link #encode} made; {@code source} names them in errors. */
  public static Checkpoint decode(byte[] bytes, String source) {
    SafetensorsFile contents;
    try {
      contents = Safetensors.decode(bytes);
    } catch (RuntimeException e) {
      throw new CheckpointException(source + ": not a valid checkpoint: " + e.getMessage());
    }
    return of(contents, source);
  }

  private LinkedHashMap<String, TensorData> tensors() {
    LinkedHashMap<String, TensorData> tensors = new LinkedHashMap<>();
    model.forEach((name, t) -> tensors.put(MODEL_PREFIX + name, t));
    optimizer.forEach((name, t) -> tensors.put(OPTIMIZER_PREFIX + name, t));
    return tensors;
  }

  private Map<String, String> formatMetadata() {
    Map<String, String> meta = new LinkedHashMap<>(metadata);
    meta.put(FORMAT_KEY, FORMAT);
    return meta;
  }

  /**
   * Reads and checks a checkpoint or model file; any problem is a {@link CheckpointException}
   * naming the file.
   */
  public static Checkpoint read(Path file) {
    SafetensorsFile contents;
    try {
      contents = Safetensors.read(file);
    } catch (UncheckedIOException e) {
      throw new CheckpointException(file + ": cannot read: " + e.getCause().getMessage());
    } catch (RuntimeException e) {
      String reason = e.getMessage() == null ? e.toString() : e.getMessage();
      String prefix = file + ": "; // Safetensors.read already names the file
      throw new CheckpointException(
          file
              + ": not a valid checkpoint: "
              + (reason.startsWith(prefix) ? reason.substring(prefix.length()) : reason));
    }
    return of(contents, file.toString());
  }

  /** Whether a decoded file carries igd-stream's own checkpoint metadata. */
  static boolean isIgdStream(SafetensorsFile contents) {
    return FORMAT.equals(contents.metadata().get(FORMAT_KEY));
  }

  /** The checkpoint in already decoded contents; {@code file} names them in errors. */
  static Checkpoint of(SafetensorsFile contents, String file) {
    if (!FORMAT.equals(contents.metadata().get(FORMAT_KEY))) {
      throw new CheckpointException(
          file
              + ": not an igd-stream checkpoint (metadata format is "
              + contents.metadata().get(FORMAT_KEY)
              + ", expected "
              + FORMAT
              + ")");
    }
    LinkedHashMap<String, TensorData> model = new LinkedHashMap<>();
    LinkedHashMap<String, TensorData> optimizer = new LinkedHashMap<>();
    contents
        .tensors()
        .forEach(
            (name, t) -> {
              if (name.startsWith(MODEL_PREFIX)) {
                model.put(name.substring(MODEL_PREFIX.length()), t);
              } else if (name.startsWith(OPTIMIZER_PREFIX)) {
                optimizer.put(name.substring(OPTIMIZER_PREFIX.length()), t);
              } else {
                throw new CheckpointException(file + ": unexpected tensor '" + name + "'");
              }
            });
    if (model.isEmpty()) {
      throw new CheckpointException(file + ": holds no model tensors");
    }
    return new Checkpoint(contents.metadata(), model, optimizer);
  }
}
