package io.igdstream.core.attack;

/**
 * ℓ∞ PGD parameters in pixel units of [0, 1] images.
 *
 * @param eps radius of the ℓ∞ ball (0.1 for 28×28 grey data, 8/255 for RGB)
 * @param alpha step size (0.01 grey, 2/255 RGB)
 * @param steps number of signed-gradient steps (10 for training, 20 for evaluation)
 * @param randomStart start from δ ~ U(−ε, ε) instead of 0
 */
public record PgdSettings(double eps, double alpha, int steps, boolean randomStart) {

  public PgdSettings {
    if (!(eps >= 0) || eps > 1) {
      throw new IllegalArgumentException("eps must be in [0, 1], was " + eps);
    }
    if (!(alpha > 0) || alpha > 1) {
      throw new IllegalArgumentException("alpha must be in (0, 1], was " + alpha);
    }
    if (steps < 1) {
      throw new IllegalArgumentException("steps must be >= 1, was " + steps);
    }
  }

  /**
   * The defaults of docs/PROTOCOL.md §1: grey 28×28 data ε = 0.1, α = 0.01; RGB ε = 8/255, α =
   * 2/255.
   */
  public static PgdSettings defaults(int channels, int steps) {
    return channels == 1
        ? new PgdSettings(0.1, 0.01, steps, true)
        : new PgdSettings(8.0 / 255, 2.0 / 255, steps, true);
  }

  public PgdSettings withSteps(int newSteps) {
    return new PgdSettings(eps, alpha, newSteps, randomStart);
  }
}
