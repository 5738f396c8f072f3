package io.igdstream.core.train;

/**
 * The IGD term λ · mean_i [1 − cos(g_S,i, g_T,i)] (docs/PROTOCOL.md §1).
 *
 * @param lambda weight λ of the term (the paper uses 1–4)
 * @param gradientTarget what the input gradients differentiate (true-class logit or CE)
 * @param studentGradientAtClean take g_S at the clean x (default, like the teacher's) rather than
 *     at x_adv
 */
public record IgdSettings(
    double lambda, GradientTarget gradientTarget, boolean studentGradientAtClean) {

  public IgdSettings {
    if (!(lambda >= 0)) {
      throw new IllegalArgumentException("igd.igd.lambda must be >= 0, was " + lambda);
    }
  }
}
