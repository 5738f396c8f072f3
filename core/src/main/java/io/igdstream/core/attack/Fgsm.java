package io.igdstream.core.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.igdstream.core.model.GradientModel;
import io.igdstream.core.model.Objectives;

/**
 * Fast gradient sign method (Goodfellow et al. 2015): x_adv = clip_[0,1](x + ε·sign(∇_x CE(f(x),
 * y))), one step, no random start; the model runs in inference mode.
 */
public final class Fgsm implements Attack {

  private final double eps;

  public Fgsm(double eps) {
    if (!(eps >= 0) || eps > 1) {
      throw new IllegalArgumentException("eps must be in [0, 1], was " + eps);
    }
    this.eps = eps;
  }

  @Override
  public String name() {
    return "fgsm";
  }

  @Override
  public NDArray perturb(GradientModel model, NDArray x, NDArray labels, long seed) {
    try (NDManager scope = x.getManager().newSubManager()) {
      NDArray xIn = x.duplicate();
      xIn.attach(scope);
      NDArray gradient = model.inputGradient(xIn, Objectives.crossEntropy(labels), false, false);
      NDArray xAdv = gradient.sign().mul(eps).add(xIn).clip(0, 1);
      xAdv.attach(x.getManager());
      return xAdv;
    }
  }
}
