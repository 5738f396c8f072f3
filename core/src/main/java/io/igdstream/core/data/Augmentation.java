package io.igdstream.core.data;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Per-sample training augmentation on (C, H, W) images: a random crop with zero padding
 * (torchvision {@code RandomCrop(size=(H, W), padding=cropPadding)}: pad every side with {@code
 * cropPadding} zeros, then take an H x W window at a uniform random offset) followed by a
 * horizontal flip with probability 1/2 when {@code horizontalFlip}. The image size never changes.
 *
 * <p>Random draws, in this order, from the generator handed in: top offset {@code nextInt(2p+1)}
 * and left offset {@code nextInt(2p+1)} (only when p &gt; 0), then {@code nextBoolean()} for the
 * flip (only when flipping is on).
 *
 * @param cropPadding zero padding in pixels on each side, &gt;= 0; 0 disables cropping
 * @param horizontalFlip mirror left-right with probability 1/2
 */
public record Augmentation(int cropPadding, boolean horizontalFlip) {
  /** No augmentation: images pass through unchanged. */
  public static final Augmentation NONE = new Augmentation(0, false);

  public Augmentation {
    if (cropPadding < 0) {
      throw new IllegalArgumentException("cropPadding must be >= 0, was " + cropPadding);
    }
  }

  /** The CIFAR recipe of the paper: random crop with padding 4 plus horizontal flip. */
  public static Augmentation cifar() {
    return new Augmentation(4, true);
  }

  /** {@link #cifar()} for 3x32x32 data (CIFAR-style), {@link #NONE} otherwise (e.g. 28x28 grey). */
  public static Augmentation defaultFor(Dataset data) {
    return defaultFor(data.channels(), data.height(), data.width());
  }

  /** The same for images of this shape. */
  public static Augmentation defaultFor(int channels, int height, int width) {
    return channels == 3 && height == 32 && width == 32 ? cifar() : NONE;
  }

  /**
   * The augmentation the setting {@code igd.train.augmentation} names for images of this shape:
   * none, crop-flip, or auto ({@link #defaultFor}).
   */
  public static Augmentation forSetting(String setting, int channels, int height, int width) {
    return switch (setting) {
      case "none" -> NONE;
      case "crop-flip" -> cifar();
      default -> defaultFor(channels, height, width);
    };
  }

  /** True when this augmentation leaves every image unchanged. */
  public boolean isIdentity() {
    return cropPadding == 0 && !horizontalFlip;
  }

  /**
   * Writes an augmented copy of one uint8 (C, H, W) image as floats in [0, 1]: draws the window and
   * flip from {@code random} (see the class comment), then renders.
   */
  public void apply(
      byte[] src,
      int srcOffset,
      float[] dst,
      int dstOffset,
      int channels,
      int height,
      int width,
      SplittableRandom random) {
    Objects.requireNonNull(random, "random");
    int p = cropPadding;
    int top = p;
    int left = p;
    if (p > 0) {
      top = random.nextInt(2 * p + 1);
      left = random.nextInt(2 * p + 1);
    }
    boolean flip = horizontalFlip && random.nextBoolean();
    render(src, srcOffset, dst, dstOffset, channels, height, width, p, top, left, flip);
  }

  /**
   * Renders one crop window: output (c, y, x) = padded(c, y + top, x' + left) / 255 with x' = (flip
   * ? W-1-x : x), where padded is the image with {@code padding} zeros on every side. So {@code top
   * = left = padding} and no flip is the identity.
   */
  static void render(
      byte[] src,
      int srcOffset,
      float[] dst,
      int dstOffset,
      int channels,
      int height,
      int width,
      int padding,
      int top,
      int left,
      boolean flip) {
    int dy = top - padding; // source row = y + dy
    int dx = left - padding; // source column of the (unflipped) output column x = x + dx
    int plane = height * width;
    for (int c = 0; c < channels; c++) {
      int srcPlane = srcOffset + c * plane;
      int dstPlane = dstOffset + c * plane;
      for (int y = 0; y < height; y++) {
        int sy = y + dy;
        int dstRow = dstPlane + y * width;
        if (sy < 0 || sy >= height) {
          java.util.Arrays.fill(dst, dstRow, dstRow + width, 0f);
          continue;
        }
        int srcRow = srcPlane + sy * width;
        for (int x = 0; x < width; x++) {
          int sx = (flip ? width - 1 - x : x) + dx;
          dst[dstRow + x] = (sx < 0 || sx >= width) ? 0f : (src[srcRow + sx] & 0xFF) / 255f;
        }
      }
    }
  }
}
