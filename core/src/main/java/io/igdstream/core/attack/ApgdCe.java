package io.igdstream.core.attack;

import ai.djl.ndarray.NDArray;
import io.igdstream.core.model.GradientModel;
import io.igdstream.core.model.Losses;

/**
 * APGD-CE, the first attack of AutoAttack (Croce &amp; Hein 2020, arXiv 2003.01690): Auto-PGD on
 * the cross-entropy CE(f(x), y) = logsumexp(z) − z_y, untargeted, ℓ∞ or ℓ2 (see {@link ApgdRun} for
 * the step, momentum and step-size rule).
 *
 * <p>As the reference's {@code APGDAttack.perturb}: points the model already misclassifies are not
 * attacked; each of the {@link ApgdSettings#restarts()} runs (1 in AutoAttack's standard version)
 * attacks the points still robust, from a fresh seeded random start; a fooled point keeps its last
 * misclassified iterate, and a point never fooled comes back unchanged (x_adv = x). Images (N, C,
 * H, W) in [0, 1], labels (N); the model runs in inference mode. Cost per run: one forward-backward
 * pass per iteration plus one at the start, n + 1 in all (101 for the standard 100 iterations).
 *
 * <p>Seeds: run r starts from noise seeded with the r-th long of a {@code SplittableRandom(seed)},
 * so the same (x, y, seed) gives the same x_adv bit for bit. The reference instead seeds torch's
 * generator once per call; its random stream is not reproduced. Every result passes {@link
 * PerturbationCheck} (a violation throws).
 */
public final class ApgdCe implements Attack {

  private final ApgdSettings settings;

  public ApgdCe(ApgdSettings settings) {
    this.settings = settings;
  }

  public ApgdSettings settings() {
    return settings;
  }

  @Override
  public String name() {
    return "apgd-ce";
  }

  @Override
  public NDArray perturb(GradientModel model, NDArray x, NDArray labels, long seed) {
    return ApgdRun.attackRobust(
        name(),
        settings,
        model,
        x,
        labels,
        seed,
        settings.restarts(),
        (run, rows, rowLabels, clean, manager) -> logits -> Losses.crossEntropy(logits, rowLabels));
  }
}
