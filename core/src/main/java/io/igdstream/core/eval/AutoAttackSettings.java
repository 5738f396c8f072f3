package io.igdstream.core.eval;

import io.igdstream.core.attack.AutoAttackVersion;
import io.igdstream.core.attack.Norm;

/**
 * How the suite's {@code autoattack} test runs (docs/PROTOCOL.md §2).
 *
 * @param version {@code standard} (the field's measure) or {@code apgd} (its cheap half)
 * @param norm the threat model
 * @param eps its radius, or null for the protocol's default by norm and image channels
 * @param limit run on the first {@code limit} test images only (AutoAttack is costly); 0 = all
 * @param batchSize points per attack call (the reference uses 250)
 */
public record AutoAttackSettings(
    AutoAttackVersion version, Norm norm, Double eps, int limit, int batchSize) {

  public AutoAttackSettings {
    if (limit < 0) {
      throw new IllegalArgumentException("autoattack limit must be >= 0, was " + limit);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("autoattack batch-size must be >= 1, was " + batchSize);
    }
    if (eps != null && !(eps > 0 && eps <= 1000)) {
      throw new IllegalArgumentException("autoattack eps must be > 0, was " + eps);
    }
  }

  /** The field's default: standard, ℓ∞, the protocol's ε, every test image, batches of 250. */
  public static AutoAttackSettings standard() {
    return new AutoAttackSettings(
        AutoAttackVersion.STANDARD, Norm.LINF, null, 0, AutoAttackVersion.REFERENCE_BATCH);
  }

  /** ε for images of {@code channels} channels. */
  public double epsFor(int channels) {
    return eps != null ? eps : norm.defaultEps(channels);
  }

  /** How many of {@code available} test images it runs on. */
  public int pointsOf(int available) {
    return limit == 0 ? available : Math.min(limit, available);
  }
}
