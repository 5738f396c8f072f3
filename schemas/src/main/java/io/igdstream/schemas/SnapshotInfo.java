package io.igdstream.schemas;

import java.util.Map;
import java.util.Objects;

/**
 * What a {@link SnapshotHeader} says about a snapshot besides its size and digest, which {@link
 * SnapshotChunks#split} computes.
 *
 * @param modelId the model being trained
 * @param version snapshot version, {@code >= 0}, increasing per model
 * @param architecture e.g. {@code small-cnn}
 * @param channels input channels C, {@code >= 1}
 * @param height input height H, {@code >= 1}
 * @param width input width W, {@code >= 1}
 * @param classes output classes, {@code >= 1}
 * @param createdAtMs creation time, epoch milliseconds
 * @param metadata free-form facts (training step, method, ...), copied
 */
public record SnapshotInfo(
    String modelId,
    long version,
    String architecture,
    int channels,
    int height,
    int width,
    int classes,
    long createdAtMs,
    Map<String, String> metadata) {

  public SnapshotInfo {
    Objects.requireNonNull(modelId, "modelId");
    Objects.requireNonNull(architecture, "architecture");
    if (modelId.isEmpty()) {
      throw new IllegalArgumentException("modelId must not be empty");
    }
    if (version < 0) {
      throw new IllegalArgumentException("version must be >= 0, was " + version);
    }
    positive("channels", channels);
    positive("height", height);
    positive("width", width);
    positive("classes", classes);
    metadata = Map.copyOf(Objects.requireNonNull(metadata, "metadata"));
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be >= 1, was " + value);
    }
  }
}
