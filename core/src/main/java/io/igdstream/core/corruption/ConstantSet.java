package io.igdstream.core.corruption;

/**
 * Which published constants a corruption uses (docs/PROTOCOL.md §2): CIFAR-10-C (Hendrycks &amp;
 * Dietterich's {@code make_cifar_c.py}, for 32 px) or ImageNet-C ({@code make_imagenet_c.py}, for
 * 224 px).
 */
public enum ConstantSet {
  /** CIFAR-10-C constants; also used for 28×28 datasets (a Decision of docs/PROTOCOL.md §2). */
  CIFAR,
  /** ImageNet-C constants, meant for 224×224 images. */
  IMAGENET;

  /** Images whose larger side is at most 32 px (incl. 28×28) get CIFAR, larger ones IMAGENET. */
  public static ConstantSet forImageSize(int height, int width) {
    if (height <= 0 || width <= 0) {
      throw new IllegalArgumentException(
          "image size must be positive, was " + height + "x" + width);
    }
    return Math.max(height, width) <= 32 ? CIFAR : IMAGENET;
  }
}
