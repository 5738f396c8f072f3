package io.igdstream.core.model;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;

/**
 * PyTorch's default initialisation for convolutions and linear layers, so DJL models start like
 * their PyTorch twins.
 */
final class TorchInit {

  private TorchInit() {}

  /**
   * Weight and bias ~ U(−1/√fan_in, 1/√fan_in): what {@code nn.Conv2d}/{@code nn.Linear} do by
   * default (kaiming_uniform with a = √5 gives the same bound for the weight).
   */
  static <B extends Block> B uniformFanIn(B block, long fanIn) {
    float bound = (float) (1.0 / Math.sqrt(fanIn));
    Initializer uniform =
        (manager, shape, dataType) -> manager.randomUniform(-bound, bound, shape, dataType);
    block.setInitializer(uniform, Parameter.Type.WEIGHT);
    block.setInitializer(uniform, Parameter.Type.BIAS);
    return block;
  }
}
