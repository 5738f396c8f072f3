package io.igdstream.core.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.igdstream.core.model.GradientModel;
import io.igdstream.core.model.Objectives;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Projected gradient descent (Madry et al. 2018, arXiv 1706.06083) on the cross-entropy, in the
 * norm of its {@link PgdSettings}. The model runs in inference mode; images (N, C, H, W) in [0, 1].
 *
 * <p>ℓ∞, as docs/PROTOCOL.md §1 states it: δ₀ ~ U(−ε, ε), then K times δ ← clip_[−ε,ε](δ +
 * α·sign(∇_δ CE(f(clip_[0,1](x + δ)), y))), and x_adv = clip_[0,1](x + δ).
 *
 * <p>ℓ2: δ₀ uniform in the ℓ2 ball of radius ε (direction u = g/‖g‖₂ with g ~ N(0, I) per image,
 * radius ε·U^{1/D} with U ~ U(0, 1) and D = C·H·W, so the density is uniform in volume), then δ₀ ←
 * clip_[0,1](x + δ₀) − x; K times δ ← δ + α·∇/‖∇‖₂ with ∇ = ∇_x CE(f(x + δ), y) (a zero gradient
 * leaves δ), δ ← δ·min(1, ε/‖δ‖₂) (onto the ball), δ ← clip_[0,1](x + δ) − x (into the box, which
 * only shortens δ, so it stays in the ball); x_adv = x + δ. Default α = 2.5·ε/K (see {@link
 * PgdSettings#defaults(Norm, int, int)}).
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
    if (settings.norm() == Norm.L2) {
      return perturbL2(model, x, labels, seed);
    }
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

  private NDArray perturbL2(GradientModel model, NDArray x, NDArray labels, long seed) {
    int n = Math.toIntExact(x.getShape().get(0));
    long[] dims = new long[x.getShape().dimension()];
    Arrays.fill(dims, 1);
    dims[0] = n;
    Shape rowShape = new Shape(dims);
    float eps = (float) settings.eps();
    float alpha = (float) settings.alpha();
    try (NDManager scope = x.getManager().newSubManager()) {
      NDArray xs = x.duplicate();
      xs.attach(scope);
      NDArray delta;
      if (settings.randomStart()) {
        NDArray g = SeededNoise.normal(scope, x, 1, seed);
        long perImage = x.size() / Math.max(n, 1);
        SplittableRandom radii = new SplittableRandom(new SplittableRandom(seed).nextLong());
        float[] radius = new float[n];
        for (int i = 0; i < n; i++) {
          radius[i] = (float) (eps * Math.pow(radii.nextDouble(), 1.0 / perImage));
        }
        NDArray r = scope.create(radius, rowShape).toType(x.getDataType(), false);
        delta = g.div(ApgdRun.rowNorm(g, n, rowShape).maximum(1e-12f)).mul(r);
        delta = delta.add(xs).clip(0, 1).sub(xs);
      } else {
        delta = scope.zeros(x.getShape(), x.getDataType());
      }
      for (int k = 0; k < settings.steps(); k++) {
        try (NDManager step = scope.newSubManager()) {
          delta.attach(step); // this iteration's arrays land in `step` (first operand's manager)
          NDArray gradient =
              model.inputGradient(delta.add(xs), Objectives.crossEntropy(labels), false, false);
          NDArray moved =
              gradient
                  .div(ApgdRun.rowNorm(gradient, n, rowShape).maximum(1e-12f))
                  .mul(alpha)
                  .add(delta);
          NDArray shrink =
              ApgdRun.rowNorm(moved, n, rowShape).maximum(1e-12f).pow(-1).mul(eps).minimum(1f);
          delta = moved.mul(shrink).add(xs).clip(0, 1).sub(xs);
          delta.attach(scope);
        }
      }
      NDArray xAdv = delta.add(xs).clip(0, 1);
      xAdv.attach(x.getManager());
      return xAdv;
    }
  }
}
