package io.igdstream.core.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code small-cnn} (docs/DESIGN.md "Models"): Conv(C→32, 3×3, pad 1) ReLU MaxPool2 · Conv(32→64,
 * 3×3, pad 1) ReLU MaxPool2 · Flatten · Linear(64·(H/4)·(W/4)→128) ReLU · Linear(128→classes).
 * Input (N, C, H, W) in [0, 1], no normalisation. The children are laid out like PyTorch's {@code
 * nn.Sequential}, so the exported names are 0.weight, 0.bias, 3.weight, 3.bias, 7.weight, 7.bias,
 * 9.weight, 9.bias.
 */
public final class SmallCnn {

  private SmallCnn() {}

  /** An uninitialised block; {@link Architecture#create} initialises it. */
  public static SequentialBlock build(int channels, int height, int width, int classes) {
    if (height % 4 != 0 || width % 4 != 0) {
      throw new IllegalArgumentException(
          "small-cnn needs height and width divisible by 4, was " + height + "x" + width);
    }
    long flat = 64L * (height / 4) * (width / 4);
    return new SequentialBlock()
        .add(TorchInit.uniformFanIn(conv(32), channels * 9L))
        .add(Activation.reluBlock())
        .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
        .add(TorchInit.uniformFanIn(conv(64), 32 * 9L))
        .add(Activation.reluBlock())
        .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
        .add(Blocks.batchFlattenBlock())
        .add(TorchInit.uniformFanIn(Linear.builder().setUnits(128).build(), flat))
        .add(Activation.reluBlock())
        .add(TorchInit.uniformFanIn(Linear.builder().setUnits(classes).build(), 128));
  }

  /**
   * PyTorch state_dict name → DJL parameter, in PyTorch's order. DJL's conv (out, in, kh, kw) and
   * linear (out, in) layouts equal PyTorch's, so values copy as they are.
   */
  public static Map<String, Parameter> pytorchParameters(SequentialBlock block) {
    Map<String, Parameter> named = new LinkedHashMap<>();
    var children = block.getChildren().values();
    for (int i = 0; i < children.size(); i++) {
      for (Parameter p : children.get(i).getParameters().values()) {
        named.put(i + "." + p.getName(), p);
      }
    }
    return named;
  }

  private static Conv2d conv(int filters) {
    return Conv2d.builder()
        .setKernelShape(new Shape(3, 3))
        .optPadding(new Shape(1, 1))
        .setFilters(filters)
        .build();
  }
}
