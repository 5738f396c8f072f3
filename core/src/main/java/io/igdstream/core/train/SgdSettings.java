package io.igdstream.core.train;

/**
 * SGD with momentum and decoupled-from-nothing L2 weight decay, PyTorch's {@code torch.optim.SGD}.
 *
 * @param learningRate base learning rate
 * @param momentum momentum μ (0 disables)
 * @param weightDecay L2 coefficient added to the gradient
 */
public record SgdSettings(double learningRate, double momentum, double weightDecay) {

  public SgdSettings {
    if (!(learningRate > 0)) {
      throw new IllegalArgumentException(
          "igd.train.learning-rate must be > 0, was " + learningRate);
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("igd.train.momentum must be in [0, 1), was " + momentum);
    }
    if (!(weightDecay >= 0)) {
      throw new IllegalArgumentException("igd.train.weight-decay must be >= 0, was " + weightDecay);
    }
  }
}
