package io.igdstream.core.attack;

import ai.djl.ndarray.NDArray;
import io.igdstream.core.model.GradientModel;
import io.igdstream.core.model.Losses;

/**
 * APGD-T, the second attack of AutoAttack (Croce &amp; Hein 2020, arXiv 2003.01690, §4): Auto-PGD
 * on the targeted DLR loss −(z_y − z_t)/(z_π1 − ½(z_π3 + z_π4)) (see {@link Losses#dlrTargeted}),
 * once per target class t, ℓ∞ or ℓ2.
 *
 * <p>As the reference's {@code APGDAttack_targeted.perturb}: the targets of a point are its
 * non-true classes by clean logit, the second-highest first (the reference's {@code sort(logits)[:,
 * −c]} for c = 2, 3, …); T = min({@link ApgdSettings#targets()}, K − 1) of them (9 in the standard
 * version; the reference needs K ≥ 10 for 9, this caps instead). For each target in that order and
 * each of the {@link ApgdSettings#restarts()} runs, one APGD run attacks the points still robust.
 * Success stays untargeted: any wrong class counts. A fooled point keeps its last misclassified
 * iterate; a point never fooled comes back unchanged. Ties among clean logits rank the higher class
 * index higher (a stable ascending sort; the reference's torch sort leaves them unspecified). The
 * targets come from the clean logits of the whole batch, computed once (the reference recomputes
 * them on each subset; the values agree up to float rounding). Needs K ≥ 4. Cost: up to
 * T·restarts·(n + 1) forward-backward passes. Seeds as {@link ApgdCe}: run r (over all targets and
 * restarts, target-major) draws the r-th long of a {@code SplittableRandom(seed)}, one stream for
 * all targets as the reference reseeds once per call.
 */
public final class ApgdTargeted implements Attack {

  private final ApgdSettings settings;

  public ApgdTargeted(ApgdSettings settings) {
    this.settings = settings;
  }

  public ApgdSettings settings() {
    return settings;
  }

  /** Whether APGD-T can attack a K-class model: the targeted DLR loss reads the 4th logit. */
  public static boolean applicable(int classes) {
    return classes >= 4;
  }

  /** The number of target classes for a K-class model: min(targets, K − 1). */
  public int targetCount(int classes) {
    return Math.min(settings.targets(), classes - 1);
  }

  @Override
  public String name() {
    return "apgd-t";
  }

  @Override
  public NDArray perturb(GradientModel model, NDArray x, NDArray labels, long seed) {
    int classes = model.classes();
    if (!applicable(classes)) {
      throw new IllegalArgumentException(
          "apgd-t needs at least 4 classes (targeted DLR), the model has " + classes);
    }
    int restarts = settings.restarts();
    return ApgdRun.attackRobust(
        name(),
        settings,
        model,
        x,
        labels,
        seed,
        targetCount(classes) * restarts,
        (run, rows, rowLabels, clean, manager) -> {
          NDArray t = manager.create(targets(clean, rows, run / restarts + 2));
          return logits -> Losses.dlrTargeted(logits, rowLabels, t);
        });
  }

  /**
   * The target class of each row for the reference's {@code target_class} = {@code rank}: the
   * rank-th largest clean logit (rank 2 = the largest non-true one for a correct point).
   */
  static long[] targets(float[][] cleanLogits, long[] rows, int rank) {
    long[] targets = new long[rows.length];
    for (int j = 0; j < rows.length; j++) {
      int[] ascending = ascendingOrder(cleanLogits[(int) rows[j]]);
      targets[j] = ascending[ascending.length - rank];
    }
    return targets;
  }

  /** Class indices by ascending value; ties keep the lower index first (a stable sort). */
  static int[] ascendingOrder(float[] values) {
    Integer[] order = new Integer[values.length];
    for (int j = 0; j < order.length; j++) {
      order[j] = j;
    }
    java.util.Arrays.sort(order, (a, b) -> Float.compare(values[a], values[b]));
    int[] result = new int[order.length];
    for (int j = 0; j < order.length; j++) {
      result[j] = order[j];
    }
    return result;
  }
}
