package io.igdstream.core.corruption;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Shared skeleton: one constant c per severity 1..5 from the chosen {@link ConstantSet}, argument
 * validation, then {@link #corrupt} with c.
 */
abstract class SeverityCorruption implements Corruption {

  private final String name;
  private final ConstantSet constants;
  private final double[] values;

  SeverityCorruption(String name, ConstantSet constants, double[] cifar, double[] imagenet) {
    this.name = name;
    this.constants = Objects.requireNonNull(constants, "constants");
    double[] chosen = constants == ConstantSet.CIFAR ? cifar : imagenet;
    if (chosen.length != 5) {
      throw new IllegalStateException(name + " needs 5 constants, has " + chosen.length);
    }
    this.values = chosen.clone();
  }

  @Override
  public final String name() {
    return name;
  }

  /** The constant set this instance was built with. */
  public final ConstantSet constants() {
    return constants;
  }

  /** The constant c at {@code severity} (1..5), in the unit the class Javadoc states. */
  public final double constant(int severity) {
    return values[checkSeverity(severity) - 1];
  }

  @Override
  public final void apply(
      float[] src,
      int srcOffset,
      float[] dst,
      int dstOffset,
      int channels,
      int height,
      int width,
      int severity,
      SplittableRandom random) {
    double c = constant(severity);
    if (channels <= 0 || height <= 0 || width <= 0) {
      throw new IllegalArgumentException(
          "channels, height and width must be positive, were "
              + channels
              + ", "
              + height
              + ", "
              + width);
    }
    int size = Math.multiplyExact(Math.multiplyExact(channels, height), width);
    Objects.checkFromIndexSize(srcOffset, size, Objects.requireNonNull(src, "src").length);
    Objects.checkFromIndexSize(dstOffset, size, Objects.requireNonNull(dst, "dst").length);
    corrupt(src, srcOffset, dst, dstOffset, channels, height, width, severity, c, random);
  }

  /** Arguments already validated; c is the constant of severity (1..5). */
  abstract void corrupt(
      float[] src,
      int srcOffset,
      float[] dst,
      int dstOffset,
      int channels,
      int height,
      int width,
      int severity,
      double c,
      SplittableRandom random);

  @Override
  public String toString() {
    return name + "(" + constants + ", c=" + Arrays.toString(values) + ")";
  }

  static int checkSeverity(int severity) {
    if (severity < 1 || severity > 5) {
      throw new IllegalArgumentException("severity must be in 1..5, was " + severity);
    }
    return severity;
  }

  static SplittableRandom requireRandom(SplittableRandom random, String name) {
    return Objects.requireNonNull(random, name + " needs a random generator");
  }

  /** Clip to [0,1] (NaN stays NaN: it can only come from a non-finite input). */
  static float clip(double v) {
    return v <= 0 ? 0f : v >= 1 ? 1f : (float) v;
  }
}
