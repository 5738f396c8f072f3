package io.igdstream.core.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.igdstream.core.model.GradientModel;
import io.igdstream.core.model.Objectives;

/**
 * The inner maximisation of TRADES (Zhang et al. 2019, arXiv 1901.08573): start at x + 0.001·N(0,
 * 1), then K times x' ← clip_[0,1](Π_ε(x' + α·sign(∇_x' KL(softmax(f(x)) ‖ softmax(f(x')))))). The
 * labels are not used: the attack pushes the prediction away from the clean one.
 */
public final class TradesPgd implements Attack {

  private final PgdSettings settings;

  public TradesPgd(PgdSettings settings) {
    if (settings.norm() != Norm.LINF) {
      throw new IllegalArgumentException(
          "norm must be linf for trades-pgd, was " + settings.norm().key());
    }
    this.settings = settings;
  }

  @Override
  public String name() {
    return "trades-pgd-" + settings.steps();
  }

  @Override
  public NDArray perturb(GradientModel model, NDArray x, NDArray labels, long seed) {
    double eps = settings.eps();
    try (NDManager scope = x.getManager().newSubManager()) {
      NDArray xIn = x.duplicate();
      xIn.attach(scope);
      NDArray clean = model.logits(xIn, false).softmax(1);
      NDArray xAdv = SeededNoise.normal(scope, x, 0.001, seed).add(xIn);
      for (int k = 0; k < settings.steps(); k++) {
        try (NDManager step = scope.newSubManager()) {
          xAdv.attach(step);
          NDArray gradient =
              model.inputGradient(xAdv, Objectives.klDivergence(clean), false, false);
          NDArray moved = gradient.sign().mul(settings.alpha()).add(xAdv);
          xAdv = moved.sub(xIn).clip(-eps, eps).add(xIn).clip(0, 1);
          xAdv.attach(scope);
        }
      }
      xAdv.attach(x.getManager());
      return xAdv;
    }
  }
}
