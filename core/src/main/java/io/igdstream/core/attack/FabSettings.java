package io.igdstream.core.attack;

import java.util.Objects;

/**
 * Targeted FAB parameters (Croce &amp; Hein 2020, arXiv 1907.02044), pixel units of [0, 1] images.
 * The defaults are AutoAttack's {@code standard} FAB-T.
 *
 * @param norm the threat model's norm (ℓ∞ or ℓ2), minimised by the attack
 * @param eps the radius an adversarial example must stay within to count (ℓ∞ 0.1 grey / 8/255 RGB,
 *     ℓ2 2.0 grey / 0.5 RGB); also the scale of the random restarts (0.5·ε from x)
 * @param iterations projection steps per run (100)
 * @param restarts runs per target; the first starts at x, the others at a random point (1)
 * @param targets target classes tried, the highest clean logits other than the top one (9; at most
 *     K − 1 are used)
 * @param alphaMax the cap on the bias towards the projection of the original point (0.1)
 * @param eta the overshoot of each projection step, ≥ 1 (1.05)
 * @param beta the backward step towards x after an adversarial iterate, in (0, 1) (0.9)
 */
public record FabSettings(
    Norm norm,
    double eps,
    int iterations,
    int restarts,
    int targets,
    double alphaMax,
    double eta,
    double beta) {

  public FabSettings {
    Objects.requireNonNull(norm, "norm must be linf or l2, was null");
    if (!(eps > 0) || !Double.isFinite(eps)) {
      throw new IllegalArgumentException("eps must be > 0 and finite, was " + eps);
    }
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations must be >= 1, was " + iterations);
    }
    if (restarts < 1) {
      throw new IllegalArgumentException("restarts must be >= 1, was " + restarts);
    }
    if (targets < 1) {
      throw new IllegalArgumentException("targets must be >= 1, was " + targets);
    }
    if (!(alphaMax >= 0) || alphaMax > 1) {
      throw new IllegalArgumentException("alphaMax must be in [0, 1], was " + alphaMax);
    }
    if (!(eta >= 1) || !Double.isFinite(eta)) {
      throw new IllegalArgumentException("eta must be >= 1 and finite, was " + eta);
    }
    if (!(beta > 0) || !(beta < 1)) {
      throw new IllegalArgumentException("beta must be in (0, 1), was " + beta);
    }
  }

  /**
   * AutoAttack's standard FAB-T: 100 iterations, 1 restart, 9 targets, α_max 0.1, η 1.05, β 0.9.
   */
  public static FabSettings standard(Norm norm, double eps) {
    return new FabSettings(norm, eps, 100, 1, 9, 0.1, 1.05, 0.9);
  }

  public FabSettings withIterations(int newIterations) {
    return new FabSettings(norm, eps, newIterations, restarts, targets, alphaMax, eta, beta);
  }

  public FabSettings withRestarts(int newRestarts) {
    return new FabSettings(norm, eps, iterations, newRestarts, targets, alphaMax, eta, beta);
  }

  public FabSettings withTargets(int newTargets) {
    return new FabSettings(norm, eps, iterations, restarts, newTargets, alphaMax, eta, beta);
  }
}
