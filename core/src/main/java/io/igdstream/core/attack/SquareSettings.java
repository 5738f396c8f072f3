package io.igdstream.core.attack;

/**
 * Square Attack parameters (Andriushchenko et al. 2020, arXiv 1912.00049), in pixel units of [0, 1]
 * images.
 *
 * @param norm the threat model: {@link Norm#LINF} or {@link Norm#L2}
 * @param eps radius of the ball (ℓ∞ ≤ 1; ℓ2 may exceed 1, e.g. 2.0 on 28×28 grey data)
 * @param queries iterations of the random search per restart (AutoAttack standard: 5,000); each
 *     queries the model once on every image not yet fooled
 * @param pInit the starting fraction of the image a square covers (standard: 0.8)
 * @param restarts random restarts, each on the images the previous ones did not fool (standard: 1)
 */
public record SquareSettings(Norm norm, double eps, int queries, double pInit, int restarts) {

  /** AutoAttack's standard version: 5,000 queries, p_init 0.8, one restart. */
  public static final int STANDARD_QUERIES = 5000;

  public static final double STANDARD_P_INIT = 0.8;

  public SquareSettings {
    if (norm == null) {
      throw new IllegalArgumentException("norm must be linf or l2, was null");
    }
    if (!(eps >= 0) || Double.isInfinite(eps) || (norm == Norm.LINF && eps > 1)) {
      throw new IllegalArgumentException(
          "eps must be in " + (norm == Norm.LINF ? "[0, 1]" : "[0, ∞)") + ", was " + eps);
    }
    if (queries < 1) {
      throw new IllegalArgumentException("queries must be >= 1, was " + queries);
    }
    if (!(pInit > 0) || pInit > 1) {
      throw new IllegalArgumentException("pInit must be in (0, 1], was " + pInit);
    }
    if (restarts < 1) {
      throw new IllegalArgumentException("restarts must be >= 1, was " + restarts);
    }
  }

  /** Square as AutoAttack's {@code standard} version runs it, at radius {@code eps}. */
  public static SquareSettings standard(Norm norm, double eps) {
    return new SquareSettings(norm, eps, STANDARD_QUERIES, STANDARD_P_INIT, 1);
  }

  public SquareSettings withQueries(int newQueries) {
    return new SquareSettings(norm, eps, newQueries, pInit, restarts);
  }

  public SquareSettings withRestarts(int newRestarts) {
    return new SquareSettings(norm, eps, queries, pInit, newRestarts);
  }
}
