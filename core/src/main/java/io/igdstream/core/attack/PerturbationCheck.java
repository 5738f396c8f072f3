package io.igdstream.core.attack;

import ai.djl.ndarray.NDArray;

/**
 * The check every adversarial example passes before it counts (the AutoAttack reference does the
 * same after each attack): ‖x_adv − x‖ ≤ ε + 1e-6 in the threat model's norm, x_adv ∈ [0, 1] and
 * finite. A violation is a bug in an attack, so it throws instead of being counted as a success.
 */
public final class PerturbationCheck {

  /** Slack for float32 rounding of x ± ε. */
  public static final double TOLERANCE = 1e-6;

  private PerturbationCheck() {}

  /**
   * Throws {@link InvalidPerturbationException} naming the attack, the first bad image and what is
   * wrong with it.
   */
  public static void requireValid(String attack, NDArray x, NDArray xAdv, Norm norm, double eps) {
    if (!x.getShape().equals(xAdv.getShape())) {
      throw new InvalidPerturbationException(
          attack + ": x_adv has shape " + xAdv.getShape() + ", x " + x.getShape());
    }
    float[] adv = xAdv.toFloatArray();
    long n = x.getShape().get(0);
    int per = (int) (adv.length / Math.max(n, 1));
    for (int j = 0; j < adv.length; j++) {
      float v = adv[j];
      if (!Float.isFinite(v)) {
        throw new InvalidPerturbationException(attack + ": image " + j / per + " has value " + v);
      }
      if (v < 0f || v > 1f) {
        throw new InvalidPerturbationException(
            attack + ": image " + j / per + " left [0, 1] (value " + v + ")");
      }
    }
    try (NDArray delta = xAdv.sub(x)) {
      double[] norms = norm.of(delta);
      for (int i = 0; i < norms.length; i++) {
        if (norms[i] > eps + TOLERANCE) {
          throw new InvalidPerturbationException(
              attack
                  + ": image "
                  + i
                  + " is "
                  + norms[i]
                  + " from x in "
                  + norm.key()
                  + ", above eps "
                  + eps);
        }
      }
    }
  }

  /** A perturbation outside the threat model: an attack's bug, never a success. */
  public static final class InvalidPerturbationException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public InvalidPerturbationException(String message) {
      super(message);
    }
  }
}
