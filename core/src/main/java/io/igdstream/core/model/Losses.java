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
}
