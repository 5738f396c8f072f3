package io.igdstream.core.attack;

import ai.djl.ndarray.NDArray;
import io.igdstream.core.model.GradientModel;

/**
 * An evasion attack: a pure function (model, x, y, seed) → x_adv with x_adv ∈ [0, 1] and the model
 * run in inference mode. Images are (N, C, H, W) in [0, 1]; labels (N) class indices.
 */
public interface Attack {

  /** x_adv, attached to x's manager. Same arguments and seed → the same x_adv. */
  NDArray perturb(GradientModel model, NDArray x, NDArray labels, long seed);

  /** A short name for reports, e.g. {@code pgd-20}. */
  String name();
}
