package io.igdstream.core.model;

import ai.djl.ndarray.NDArray;

/**
 * Per-sample loss terms on logits (N, K), shared by attacks, training steps and metrics. Every
 * helper keeps its temporaries in the logits' manager (DJL puts an op's result in the manager of
 * its first operand), so a caller's per-step sub-manager frees them.
 */
public final class Losses {

  private Losses() {}

  /** One-hot (N, K) of class indices {@code labels} (N), in the logits' type and manager. */
  public static NDArray oneHot(NDArray labels, NDArray logits) {
    NDArray oneHot = labels.oneHot((int) logits.getShape().get(1), logits.getDataType());
    oneHot.attach(logits.getManager());
    return oneHot;
  }

  /** z_y per sample (N): the true-class logit, the "saliency" target of docs/PROTOCOL.md §2. */
  public static NDArray trueClassLogit(NDArray logits, NDArray labels) {
    return logits.mul(oneHot(labels, logits)).sum(new int[] {1});
  }

  /** −log softmax(z)_y per sample (N). */
  public static NDArray crossEntropy(NDArray logits, NDArray labels) {
    return logits.logSoftmax(1).mul(oneHot(labels, logits)).sum(new int[] {1}).neg();
  }

  /**
   * KL(p ‖ softmax(z)) per sample (N) with p given as probabilities (N, K): TRADES' robust term,
   * {@code KLDivLoss(log_softmax(z_adv), softmax(z_clean))} summed over classes. 0·log 0 counts as
   * 0.
   */
  public static NDArray klDivergence(NDArray logits, NDArray targetProbabilities) {
    NDArray p = targetProbabilities;
    NDArray logP = p.maximum(1e-30f).log();
    return logits.logSoftmax(1).neg().add(logP).mul(p).sum(new int[] {1});
  }

  /**
   * cos(a_i, b_i) per sample (N) of the flattened rows, each norm clamped below at 1e-12 (PyTorch's
   * {@code F.cosine_similarity(dim=1, eps=1e-12)}), so an all-zero gradient gives 0, not NaN.
   */
  // Scalars below are floats: a 0-dim float32 array combined with a Java double becomes float64.
  public static NDArray cosineSimilarity(NDArray a, NDArray b) {
    long n = a.getShape().get(0);
    NDArray a2 = a.reshape(n, -1);
    NDArray b2 = b.reshape(n, -1);
    NDArray dot = a2.mul(b2).sum(new int[] {1});
    NDArray norms =
        a2.norm(new int[] {1}).maximum(1e-12f).mul(b2.norm(new int[] {1}).maximum(1e-12f));
    return dot.div(norms);
  }

  /**
   * The untargeted difference-of-logits-ratio loss of Croce &amp; Hein 2020 (arXiv 2003.01690, eq.
   * 6) per sample (N), as the AutoAttack reference computes it: with s the logits sorted ascending
   * (s[K−1] the largest),
   *
   * <pre>DLR = −(z_y − (s[K−2] if argmax z = y else s[K−1])) / (s[K−1] − s[K−3] + 1e−12)</pre>
   *
   * that is −(z_y − max_{i≠y} z_i)/(z_π1 − z_π3). A tie for the top between y and another class
   * gives the same value whichever the sort puts last (both branches read the tied value). It is
   * invariant to shifting and scaling the logits; positive once the point is misclassified.
   *
   * @throws IllegalArgumentException for fewer than 3 classes (s[K−3] does not exist)
   */
  public static NDArray dlr(NDArray logits, NDArray labels) {
    int k = classes(logits, 3, "DLR");
    NDArray sorted = logits.sort(1);
    NDArray top = sorted.get(":, " + (k - 1));
    NDArray second = sorted.get(":, " + (k - 2));
    NDArray third = sorted.get(":, " + (k - 3));
    NDArray trueIsTop = logits.argMax(1).eq(labels).toType(logits.getDataType(), false);
    // The reference's order of operations: (z_y − s2·[top = y]) − s1·(1 − [top = y]).
    NDArray numerator =
        trueClassLogit(logits, labels)
            .sub(second.mul(trueIsTop))
            .sub(top.mul(trueIsTop.neg().add(1f)));
    return numerator.div(top.sub(third).add(1e-12f)).neg();
  }

  /**
   * The targeted DLR loss of APGD-T (Croce &amp; Hein 2020, §4) per sample (N), as the AutoAttack
   * reference computes it: with s the logits of all classes (y included) sorted ascending,
   *
   * <pre>DLR_T = −(z_y − z_t) / (s[K−1] − ½(s[K−3] + s[K−4]) + 1e−12)</pre>
   *
   * for the target classes t (N). Maximising it pushes z_t above z_y.
   *
   * @throws IllegalArgumentException for fewer than 4 classes (s[K−4] does not exist)
   */
  public static NDArray dlrTargeted(NDArray logits, NDArray labels, NDArray targets) {
    int k = classes(logits, 4, "targeted DLR");
    NDArray sorted = logits.sort(1);
    NDArray top = sorted.get(":, " + (k - 1));
    NDArray thirdAndFourth = sorted.get(":, " + (k - 3)).add(sorted.get(":, " + (k - 4)));
    NDArray numerator = trueClassLogit(logits, labels).sub(trueClassLogit(logits, targets));
    return numerator.div(top.sub(thirdAndFourth.mul(0.5f)).add(1e-12f)).neg();
  }

  private static int classes(NDArray logits, int minimum, String loss) {
    long k = logits.getShape().get(1);
    if (k < minimum) {
      throw new IllegalArgumentException(
          loss + " needs at least " + minimum + " classes, the logits have " + k);
    }
    return (int) k;
  }
}
