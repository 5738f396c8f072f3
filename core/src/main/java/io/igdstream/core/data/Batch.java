package io.igdstream.core.data;

import java.util.Objects;

/**
 * One mini-batch ready for a model: {@code images} is float32 (N, C, H, W) row-major in [0, 1],
 * {@code labels[i]} is the class of image i and {@code sampleIndices[i]} its index in the source
 * {@link Dataset} (for tracing and for per-sample caches such as teacher gradients). N = {@link
 * #size()} may be smaller than the batch size for the last batch of an epoch.
 */
public record Batch(
    float[] images, int[] labels, int[] sampleIndices, int channels, int height, int width) {
  public Batch {
    Objects.requireNonNull(images, "images");
    Objects.requireNonNull(labels, "labels");
    Objects.requireNonNull(sampleIndices, "sampleIndices");
    if (sampleIndices.length != labels.length) {
      throw new IllegalArgumentException(
          "sampleIndices and labels differ in length: "
              + sampleIndices.length
              + " vs "
              + labels.length);
    }
    if ((long) labels.length * channels * height * width != images.length) {
      throw new IllegalArgumentException(
          "images must hold N*C*H*W = "
              + (long) labels.length * channels * height * width
              + " floats, was "
              + images.length);
    }
  }

  /** Number of samples N in this batch. */
  public int size() {
    return labels.length;
  }

  /** Values per image, C*H*W. */
  public int imageSize() {
    return channels * height * width;
  }
}
