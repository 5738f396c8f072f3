package io.igdstream.core.attack;

/**
 * PGD parameters in pixel units of [0, 1] images, ℓ∞ unless a {@link Norm} is given.
 *
 * @param eps radius of the ball: ℓ∞ 0.1 for 28×28 grey data, 8/255 for RGB (in [0, 1]); ℓ2 2.0
 *     grey, 0.5 RGB (any finite value ≥ 0)
 * @param alpha step size: ℓ∞ 0.01 grey, 2/255 RGB (in (0, 1]); ℓ2 the length of each normalised
 *     step, default 2.5·ε/steps (see {@link #defaults(Norm, int, int)})
 * @param steps number of gradient steps (10 for training, 20 for evaluation)
 * @param randomStart start from a random point of the ball (ℓ∞ δ ~ U(−ε, ε); ℓ2 see {@link Pgd})
 * @param norm the threat model's norm
 */
public record PgdSettings(double eps, double alpha, int steps, boolean randomStart, Norm norm) {

  public PgdSettings {
    if (norm == null) {
      throw new IllegalArgumentException("norm must be linf or l2, was null");
    }
    if (norm == Norm.LINF) {
      if (!(eps >= 0) || eps > 1) {
        throw new IllegalArgumentException("eps must be in [0, 1], was " + eps);
      }
      if (!(alpha > 0) || alpha > 1) {
        throw new IllegalArgumentException("alpha must be in (0, 1], was " + alpha);
      }
    } else {
      if (!(eps >= 0) || Double.isInfinite(eps)) {
        throw new IllegalArgumentException("eps must be finite and >= 0 for l2, was " + eps);
      }
      if (!(alpha > 0) || Double.isInfinite(alpha)) {
        throw new IllegalArgumentException("alpha must be finite and > 0 for l2, was " + alpha);
      }
    }
    if (steps < 1) {
      throw new IllegalArgumentException("steps must be >= 1, was " + steps);
    }
  }

  /** ℓ∞ PGD, the meaning of every settings value written before the norm existed. */
  public PgdSettings(double eps, double alpha, int steps, boolean randomStart) {
    this(eps, alpha, steps, randomStart, Norm.LINF);
  }

  /**
   * docs/PROTOCOL.md's ℓ∞ defaults: grey 28×28 data ε = 0.1, α = 0.01; RGB ε = 8/255, α = 2/255.
   */
  public static PgdSettings defaults(int channels, int steps) {
    return channels == 1
        ? new PgdSettings(0.1, 0.01, steps, true)
        : new PgdSettings(8.0 / 255, 2.0 / 255, steps, true);
  }

  /**
   * Defaults for either norm: ℓ∞ as {@link #defaults(int, int)}; ℓ2 at {@link Norm#defaultEps} (2.0
   * grey, 0.5 RGB) with α = 2.5·ε/steps, the rule of Madry et al. (2018): enough to cross the ball
   * from any start within the step budget.
   */
  public static PgdSettings defaults(Norm norm, int channels, int steps) {
    if (norm == Norm.LINF) {
      return defaults(channels, steps);
    }
    double eps = norm.defaultEps(channels);
    return new PgdSettings(eps, 2.5 * eps / steps, steps, true, norm);
  }

  public PgdSettings withSteps(int newSteps) {
    return new PgdSettings(eps, alpha, newSteps, randomStart, norm);
  }

  /** The same radius, step and schedule in another norm (choose eps and alpha for it yourself). */
  public PgdSettings withNorm(Norm newNorm) {
    return new PgdSettings(eps, alpha, steps, randomStart, newNorm);
  }
}
