package io.igdstream.core.model;

import ai.djl.ndarray.NDArray;

/** The objectives whose input gradients igd-stream takes. */
public final class Objectives {

  private Objectives() {}

  /** Σ_i z_{i, y_i}: its input gradient is the saliency map a = ∂z_y/∂x of each sample. */
  public static Objective trueClassLogit(NDArray labels) {
    return logits -> Losses.trueClassLogit(logits, labels).sum();
  }

  /** Σ_i CE(z_i, y_i): what PGD and FGSM ascend. */
  public static Objective crossEntropy(NDArray labels) {
    return logits -> Losses.crossEntropy(logits, labels).sum();
  }

  /** Σ_i KL(p_i ‖ softmax(z_i)): what the TRADES attack ascends, p = the clean prediction. */
  public static Objective klDivergence(NDArray cleanProbabilities) {
    return logits -> Losses.klDivergence(logits, cleanProbabilities).sum();
  }

  /** Σ_i DLR(z_i, y_i): what untargeted APGD-DLR ascends (needs K ≥ 3). */
  public static Objective dlr(NDArray labels) {
    return logits -> Losses.dlr(logits, labels).sum();
  }

  /** Σ_i DLR_T(z_i, y_i, t_i): what APGD-T ascends for targets t (needs K ≥ 4). */
  public static Objective dlrTargeted(NDArray labels, NDArray targets) {
    return logits -> Losses.dlrTargeted(logits, labels, targets).sum();
  }
}
