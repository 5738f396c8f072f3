package io.igdstream.core.attack;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Auto-PGD parameters (Croce &amp; Hein 2020, arXiv 2003.01690), in pixel units of [0, 1] images.
 * The defaults are those of AutoAttack's standard version: 100 iterations, 1 run, ρ = 0.75, 9
 * target classes for APGD-T.
 *
 * <p>The step-size checkpoints follow from {@code iterations} alone, computed once as the reference
 * does: the first window is max(⌊0.22·n⌋, 1) iterations, each later window is {@code
 * windowDecrease} = max(⌊0.03·n⌋, 1) shorter than the one before, but at least {@code minWindow} =
 * max(⌊0.06·n⌋, 1). For n = 100 that is windows 22, 19, 16, 13, 10, 7, 6, 6, ending after
 * iterations 22, 41, 57, 70, 80, 87, 93, 99 (see {@link #checkpoints(int)}).
 *
 * @param norm the threat model's ball ({@link Norm#LINF} or {@link Norm#L2})
 * @param eps its radius: ℓ∞ 0.1 (grey) or 8/255 (RGB); ℓ2 2.0 (grey) or 0.5 (RGB)
 * @param iterations gradient steps per run, n (100)
 * @param restarts runs per attack (per target for APGD-T), each on the points still robust (1)
 * @param rho the oscillation threshold ρ: halve the step when at most ρ·k of the last k steps
 *     raised the loss (0.75)
 * @param targets APGD-T's number of target classes, the most likely non-true ones first (9); capped
 *     at K − 1 for a model with K classes
 */
public record ApgdSettings(
    Norm norm, double eps, int iterations, int restarts, double rho, int targets) {

  public ApgdSettings {
    if (norm == null) {
      throw new IllegalArgumentException("norm must be linf or l2, was null");
    }
    if (!(eps >= 0) || Double.isInfinite(eps) || (norm == Norm.LINF && eps > 1)) {
      throw new IllegalArgumentException(
          "eps must be "
              + (norm == Norm.LINF ? "in [0, 1]" : "finite and >= 0")
              + " for "
              + norm.key()
              + ", was "
              + eps);
    }
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations must be >= 1, was " + iterations);
    }
    if (restarts < 1) {
      throw new IllegalArgumentException("restarts must be >= 1, was " + restarts);
    }
    if (!(rho >= 0) || rho > 1) {
      throw new IllegalArgumentException("rho must be in [0, 1], was " + rho);
    }
    if (targets < 1) {
      throw new IllegalArgumentException("targets must be >= 1, was " + targets);
    }
  }

  /**
   * AutoAttack's standard version at radius {@code eps}: 100 iterations, 1 run, ρ 0.75, 9 targets.
   */
  public static ApgdSettings standard(Norm norm, double eps) {
    return new ApgdSettings(norm, eps, 100, 1, 0.75, 9);
  }

  /** {@link #standard} at the protocol's default radius for {@code channels} (see {@link Norm}). */
  public static ApgdSettings defaults(Norm norm, int channels) {
    return standard(norm, norm.defaultEps(channels));
  }

  public ApgdSettings withIterations(int newIterations) {
    return new ApgdSettings(norm, eps, newIterations, restarts, rho, targets);
  }

  public ApgdSettings withRestarts(int newRestarts) {
    return new ApgdSettings(norm, eps, iterations, newRestarts, rho, targets);
  }

  public ApgdSettings withTargets(int newTargets) {
    return new ApgdSettings(norm, eps, iterations, restarts, rho, newTargets);
  }

  /** The first checkpoint window, max(⌊0.22·n⌋, 1) (the reference's {@code n_iter_2}). */
  public static int firstWindow(int iterations) {
    return Math.max((int) (0.22 * iterations), 1);
  }

  /** The shortest window, max(⌊0.06·n⌋, 1) ({@code n_iter_min}). */
  public static int minWindow(int iterations) {
    return Math.max((int) (0.06 * iterations), 1);
  }

  /** How much shorter each window is than the one before, max(⌊0.03·n⌋, 1) ({@code size_decr}). */
  public static int windowDecrease(int iterations) {
    return Math.max((int) (0.03 * iterations), 1);
  }

  /**
   * The 0-based loop indices i at whose end a checkpoint falls, in a run of {@code iterations}
   * steps: the first after {@link #firstWindow} steps, then each window {@link #windowDecrease}
   * shorter down to {@link #minWindow}. The window of checkpoint j is the distance to the previous
   * index (the first: its index + 1). For n = 100: 21, 40, 56, 69, 79, 86, 92, 98.
   */
  public static List<Integer> checkpoints(int iterations) {
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations must be >= 1, was " + iterations);
    }
    List<Integer> indices = new ArrayList<>();
    int window = firstWindow(iterations);
    int sinceLast = 0;
    for (int i = 0; i < iterations; i++) {
      sinceLast++;
      if (sinceLast == window) {
        indices.add(i);
        window = Math.max(window - windowDecrease(iterations), minWindow(iterations));
        sinceLast = 0;
      }
    }
    return Collections.unmodifiableList(indices);
  }
}
