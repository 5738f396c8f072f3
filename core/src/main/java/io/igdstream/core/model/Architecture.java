package io.igdstream.core.model;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

/** The model architectures igd-stream builds, by their command-line names. */
public enum Architecture {
  /** The small CNN of docs/DESIGN.md "Models", the default for 28×28 data. */
  SMALL_CNN("small-cnn"),
  /** The PreAct ResNet-18 of the IGD and TRADES papers, for 32×32 RGB data. */
  PREACT_RESNET18("preact-resnet18");

  private final String id;

  Architecture(String id) {
    this.id = id;
  }

  /** The command-line and file name, e.g. {@code small-cnn}. */
  public String id() {
    return id;
  }

  /** The architecture called {@code id}; the error lists the known names. */
  public static Architecture of(String id) {
    for (Architecture a : values()) {
      if (a.id.equals(id)) {
        return a;
      }
    }
    throw new IllegalArgumentException(
        "unknown model '"
            + id
            + "', expected one of "
            + Arrays.stream(values()).map(Architecture::id).collect(Collectors.joining(", ")));
  }

  /**
   * The usual architecture for images of this size: small-cnn up to 28 px, else preact-resnet18.
   */
  public static Architecture defaultFor(int channels, int height, int width) {
    return height <= 28 && width <= 28 ? SMALL_CNN : PREACT_RESNET18;
  }

  /** Throws with the reason when this architecture cannot take (C, H, W) images. */
  public void checkFits(int channels, int height, int width) {
    if (this == SMALL_CNN && (height % 4 != 0 || width % 4 != 0)) {
      throw new IllegalArgumentException(
          "model small-cnn needs height and width divisible by 4, the data is "
              + height
              + "x"
              + width);
    }
    if (this == PREACT_RESNET18 && (height < 8 || width < 8)) {
      throw new IllegalArgumentException(
          "model preact-resnet18 needs images of at least 8x8, the data is "
              + height
              + "x"
              + width);
    }
  }

  /** An uninitialised block for (C, H, W) images and {@code classes} outputs. */
  Block build(int channels, int height, int width, int classes) {
    checkFits(channels, height, width);
    return switch (this) {
      case SMALL_CNN -> SmallCnn.build(channels, height, width, classes);
      case PREACT_RESNET18 -> PreActResNet18.build(channels, classes);
    };
  }

  /** PyTorch state_dict name → DJL parameter, in PyTorch's order. */
  Map<String, Parameter> pytorchParameters(Block block) {
    return switch (this) {
      case SMALL_CNN -> SmallCnn.pytorchParameters((SequentialBlock) block);
      case PREACT_RESNET18 -> PreActResNet18.pytorchParameters(block);
    };
  }
}
