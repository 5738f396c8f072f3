package io.igdstream.core.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.igdstream.core.model.GradientModel;
import io.igdstream.core.model.Objectives;

/**
 * ℓ∞ projected gradient descent (Madry et al. 2018, arXiv 1706.06083) as docs/PROTOCOL.md §1 states
 * it: δ₀ ~ U(−ε, ε), then K times δ ← clip_[−ε,ε](δ + α·sign(∇_δ CE(f(clip_[0,1](x + δ)), y))), and
 * x_adv = clip_[0,1](x + δ). The model runs in inference mode.
 */
public final class Pgd implements Attack {

  private final PgdSettings settings;

  public Pgd(PgdSettings settings) {
    this.settings = settings;
  }

  public PgdSettings settings() {
    return settings;
  }

  @Override
  public String name() {
    return "pgd-" + settings.steps();
  }

  @Override
  public NDArray perturb(GradientModel model, NDArray x, NDArray labels, long seed) {
    double eps = settings.eps();
    try (NDManager scope = x.getManager().newSubManager()) {
      NDArray delta =
          settings.randomStart()
              ? SeededNoise.uniform(scope, x, -eps, eps, seed)
              : scope.zeros(x.getShape(), x.getDataType());
      for (int k = 0; k < settings.steps(); k++) {
        try (NDManager step = scope.newSubManager()) {
          delta.attach(
              step); // this iteration's arrays all land in `step` (first operand's manager)
          NDArray shifted = delta.add(x);
          NDArray gradient =
              model.inputGradient(
                  shifted.clip(0, 1), Objectives.crossEntropy(labels), false, false);
          // ∇_δ of clip(x + δ): the clip passes the gradient only where 0 ≤ x + δ ≤ 1.
          NDArray inside = shifted.gte(0).logicalAnd(shifted.lte(1)).toType(x.getDataType(), false);
          delta = delta.add(gradient.sign().mul(inside).mul(settings.alpha())).clip(-eps, eps);
          delta.attach(scope);
        }
      }
      NDArray xAdv = delta.add(x).clip(0, 1);
      xAdv.attach(x.getManager());
      return xAdv;
    }
  }
}
