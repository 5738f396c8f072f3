package io.igdstream.core.model;

/** What a classifier takes and gives: (C, H, W) images in [0, 1] and {@code classes} logits. */
public record ModelSpec(int channels, int height, int width, int classes) {

  public ModelSpec {
    if (channels < 1 || height < 1 || width < 1) {
      throw new IllegalArgumentException(
          "image shape must be positive, was " + channels + "x" + height + "x" + width);
    }
    if (classes < 2) {
      throw new IllegalArgumentException("classes must be >= 2, was " + classes);
    }
  }

  /** C·H·W. */
  public int imageSize() {
    return channels * height * width;
  }
}
