package io.igdstream.core.corruption;

import java.util.SplittableRandom;

/**
 * One corruption family at severities 1..5 (docs/PROTOCOL.md §2), applied to one image.
 *
 * <p>Images are {@code C*H*W} floats in [0,1], row-major (C, H, W). Implementations are immutable
 * and thread-safe; any scratch memory is per thread. {@code dst} may be {@code src} at the same
 * offset (in-place); other overlaps are not supported.
 */
public interface Corruption {

  /**
   * The canonical ImageNet-C name: gaussian_noise, shot_noise, impulse_noise, speckle_noise,
   * gaussian_blur, contrast, brightness, pixelate or jpeg_compression.
   */
  String name();

  /**
   * Corrupts one image: src (C*H*W floats in [0,1], row-major C,H,W) -> dst (same size), clipped to
   * [0,1]. random is used only by noise corruptions (others accept null).
   *
   * @throws IllegalArgumentException if severity is outside 1..5, a dimension is not positive, or
   *     the corruption does not support the channel count (brightness, jpeg: 1 or 3)
   * @throws IndexOutOfBoundsException if an image does not fit its array at its offset
   */
  void apply(
      float[] src,
      int srcOffset,
      float[] dst,
      int dstOffset,
      int channels,
      int height,
      int width,
      int severity,
      SplittableRandom random);
}
