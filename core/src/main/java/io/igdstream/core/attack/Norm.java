package io.igdstream.core.attack;

import ai.djl.ndarray.NDArray;
import java.util.Locale;

/**
 * The threat model's norm: the ball ‖x_adv − x‖ ≤ ε an attack must stay in (setting {@code
 * igd.attack.norm = linf | l2}). Norms are taken per image over all C·H·W values.
 */
public enum Norm {
  LINF("linf"),
  L2("l2");

  private final String key;

  Norm(String key) {
    this.key = key;
  }

  /** The setting's spelling, also used in reports and metric labels. */
  public String key() {
    return key;
  }

  /** Parses {@code linf} or {@code l2} (case-insensitive); anything else names the bad value. */
  public static Norm parse(String value) {
    for (Norm norm : values()) {
      if (norm.key.equals(value.toLowerCase(Locale.ROOT).trim())) {
        return norm;
      }
    }
    throw new IllegalArgumentException("norm must be linf or l2, was '" + value + "'");
  }

  /**
   * The default radius of docs/PROTOCOL.md §2: ℓ∞ 0.1 on greyscale data and 8/255 on RGB; ℓ2 2.0 on
   * 28×28 greyscale (the AutoAttack paper's MNIST value) and 0.5 on RGB (RobustBench's CIFAR-10
   * value).
   */
  public double defaultEps(int channels) {
    return switch (this) {
      case LINF -> channels == 1 ? 0.1 : 8.0 / 255;
      case L2 -> channels == 1 ? 2.0 : 0.5;
    };
  }

  /** Per-image norms of a batch of perturbations (N, …), as doubles. */
  public double[] of(NDArray delta) {
    long n = delta.getShape().get(0);
    float[] values = delta.toFloatArray();
    int per = (int) (values.length / Math.max(n, 1));
    double[] norms = new double[(int) n];
    for (int i = 0; i < n; i++) {
      double acc = 0;
      for (int j = i * per; j < (i + 1) * per; j++) {
        double v = values[j];
        acc = this == LINF ? Math.max(acc, Math.abs(v)) : acc + v * v;
      }
      norms[i] = this == LINF ? acc : Math.sqrt(acc);
    }
    return norms;
  }
}
