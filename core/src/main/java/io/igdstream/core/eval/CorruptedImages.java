package io.igdstream.core.eval;

import io.igdstream.core.corruption.Corruption;
import io.igdstream.core.metrics.SampleSeeds;
import java.util.SplittableRandom;

/**
 * Where {@link RobustnessSuite} gets its corrupted test images. The offline evaluation computes
 * them in-process ({@link #computed}); the streaming evaluator reads images that the corrupt stage
 * already wrote to Kafka, so both score corruptions with the same suite code.
 */
public interface CorruptedImages {

  /**
   * Writes test image {@code testIndex} under {@code corruption} at {@code severity} to {@code
   * dst}. Images are {@code channels*height*width} floats in [0,1], row-major (C, H, W).
   *
   * @param testIndex the image's index in the evaluated test set (its sample id)
   * @param src the clean image at {@code srcOffset} (an implementation may ignore it)
   */
  void fill(
      Corruption corruption,
      int severity,
      int testIndex,
      float[] src,
      int srcOffset,
      float[] dst,
      int dstOffset,
      int channels,
      int height,
      int width);

  /**
   * Computes each image from the clean one, each noise draw seeded from ({@code seed}, test index,
   * {@code "<corruption>/<severity>"}): what the suite has always done, so reports do not change.
   */
  static CorruptedImages computed(long seed) {
    return (corruption,
        severity,
        testIndex,
        src,
        srcOffset,
        dst,
        dstOffset,
        channels,
        height,
        width) -> {
      String test = corruption.name() + "/" + severity;
      SplittableRandom random = new SplittableRandom(SampleSeeds.of(seed, testIndex, test));
      corruption.apply(src, srcOffset, dst, dstOffset, channels, height, width, severity, random);
    };
  }
}
