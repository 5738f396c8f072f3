package io.igdstream.core.corruption;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The nine corruption families of docs/PROTOCOL.md §2 under their ImageNet-C names, in the table's
 * order: noise family first (gaussian, shot, impulse — the paper's), then speckle, blur, contrast,
 * brightness, pixelate, jpeg.
 */
public final class Corruptions {

  private static final List<String> NAMES =
      List.of(
          "gaussian_noise",
          "shot_noise",
          "impulse_noise",
          "speckle_noise",
          "gaussian_blur",
          "contrast",
          "brightness",
          "pixelate",
          "jpeg_compression");

  private static final List<String> NOISE_FAMILY =
      List.of("gaussian_noise", "shot_noise", "impulse_noise");

  private Corruptions() {}

  /** All nine with the given constants, in the order of {@link #names()}. */
  public static List<Corruption> all(ConstantSet constants) {
    return NAMES.stream().map(n -> byName(n, constants)).collect(Collectors.toUnmodifiableList());
  }

  /**
   * The corruption called {@code name} with the given constants.
   *
   * @throws IllegalArgumentException for an unknown name, listing the valid ones
   */
  public static Corruption byName(String name, ConstantSet constants) {
    Objects.requireNonNull(constants, "constants");
    switch (Objects.requireNonNull(name, "name")) {
      case "gaussian_noise":
        return new GaussianNoise(constants);
      case "shot_noise":
        return new ShotNoise(constants);
      case "impulse_noise":
        return new ImpulseNoise(constants);
      case "speckle_noise":
        return new SpeckleNoise(constants);
      case "gaussian_blur":
        return new GaussianBlur(constants);
      case "contrast":
        return new Contrast(constants);
      case "brightness":
        return new Brightness(constants);
      case "pixelate":
        return new Pixelate(constants);
      case "jpeg_compression":
        return new JpegCompression(constants);
      default:
        throw new IllegalArgumentException(
            "unknown corruption '" + name + "', valid names: " + String.join(", ", NAMES));
    }
  }

  /** The nine names, in table order. */
  public static List<String> names() {
    return NAMES;
  }

  /** gaussian_noise, shot_noise, impulse_noise: the noise corruptions the paper reports. */
  public static List<String> noiseFamily() {
    return NOISE_FAMILY;
  }
}
