package io.igdstream.core.metrics;

import ai.djl.ndarray.NDArray;
import io.igdstream.core.model.GradientModel;
import java.util.Objects;

/**
 * The inductive noise attack (INA) of Duan et al., "Inequality phenomenon in l∞-adversarial
 * training, and its unrealized threats" (ICLR 2023), as Chen, Dong, Xie (2023, IGD) report it
 * (docs/PROTOCOL.md §2).
 *
 * <p>Per sample, the mask M marks the k = ⌊C·H·W·t⌋ elements of the flattened (C, H, W) saliency a
 * = ∂z_y/∂x with the largest <em>signed</em> value (ties to the lower index); noise ε ~ N(0, 1)
 * i.i.d., one draw per sample seeded by {@link SampleSeeds#of}(seed, sample id, {@value #TEST}),
 * the same field for every t and both variants. {@link Variant#ADD}: x′ = clip_[0,1](x + M⊙ε);
 * {@link Variant#REPLACE}: x′ = clip_[0,1]((1 − M)⊙x + M⊙ε). Default t ∈ {0.002, 0.004, …, 0.020}.
 *
 * <p>Batches are flat row-major (N, C, H, W) float arrays in [0, 1]; the model runs in inference
 * mode. Error counts cover only the samples passed in: the caller restricts them to the
 * joint-correct subset.
 */
public final class InductiveNoiseAttack {

  /** The seed's test name. */
  public static final String TEST = "inductive-noise";

  /** t = 0.002, 0.004, …, 0.020. */
  public static final double[] DEFAULT_FRACTIONS = {
    0.002, 0.004, 0.006, 0.008, 0.010, 0.012, 0.014, 0.016, 0.018, 0.020
  };

  /** How the noise enters the masked elements. */
  public enum Variant {
    /** x′ = clip(x + M⊙ε). */
    ADD,
    /** x′ = clip((1 − M)⊙x + M⊙ε). */
    REPLACE
  }

  private InductiveNoiseAttack() {}

  /**
   * k = ⌊size·t⌋; a 1e-9 slack keeps a product that lands a rounding error below an integer (e.g.
   * 100 × 0.29 = 28.999…) at that integer.
   */
  public static int budget(int imageSize, double t) {
    if (!(t >= 0 && t <= 1)) {
      throw new IllegalArgumentException("fraction t must be in [0, 1], was " + t);
    }
    return (int) Math.floor(imageSize * t + 1e-9);
  }

  /** M for one sample: true at the {@link #budget} elements of largest signed saliency. */
  public static boolean[] mask(float[] saliency, int offset, int imageSize, double t) {
    boolean[] mask = new boolean[imageSize];
    for (int j : TopK.largest(saliency, offset, imageSize, budget(imageSize, t))) {
      mask[j] = true;
    }
    return mask;
  }

  /** The N(0, 1) field ε (C·H·W values) of sample {@code sampleId}. */
  public static float[] noise(long seed, long sampleId, int imageSize) {
    return Draws.normal(SampleSeeds.of(seed, sampleId, TEST), imageSize);
  }

  /**
   * x′ for a batch of n images of {@code imageSize} = C·H·W values each.
   *
   * @param x images, n·imageSize values in [0, 1]
   * @param saliency ∂z_y/∂x, same layout as x
   * @param sampleIds one id per image, seeding its noise
   * @return a new array, same layout, in [0, 1]
   */
  public static float[] perturb(
      float[] x,
      float[] saliency,
      int imageSize,
      int n,
      double t,
      Variant variant,
      long seed,
      long[] sampleIds) {
    Objects.requireNonNull(variant, "variant");
    checkShapes(x, saliency, imageSize, n, sampleIds);
    float[] out = x.clone();
    int k = budget(imageSize, t);
    for (int i = 0; i < n; i++) {
      int offset = i * imageSize;
      int[] top = TopK.largest(saliency, offset, imageSize, k);
      float[] eps = noise(seed, sampleIds[i], imageSize);
      for (int j : top) {
        float v = variant == Variant.ADD ? x[offset + j] + eps[j] : eps[j];
        out[offset + j] = clip01(v);
      }
    }
    return out;
  }

  /**
   * Misclassified samples at each t: the saliency once, then one batched forward per t.
   *
   * @param x images (N, C, H, W) in [0, 1]
   * @param labels class indices (N)
   * @param sampleIds one id per image (its row in the test set), seeding its noise
   */
  public static FractionErrors errorCounts(
      GradientModel model,
      NDArray x,
      NDArray labels,
      long[] sampleIds,
      double[] fractions,
      Variant variant,
      long seed) {
    return errorCounts(
        model, x, labels, Saliency.floats(model, x, labels), sampleIds, fractions, variant, seed);
  }

  /** The same with a saliency computed by the caller (shared with Gini and the other variant). */
  public static FractionErrors errorCounts(
      GradientModel model,
      NDArray x,
      NDArray labels,
      float[] saliency,
      long[] sampleIds,
      double[] fractions,
      Variant variant,
      long seed) {
    int[] shape = Tensors.chw(x);
    int n = shape[0];
    int imageSize = shape[1] * shape[2] * shape[3];
    long[] y = Tensors.labels(labels);
    Tensors.checkBatch(n, sampleIds, y, saliency, imageSize);
    float[] pixels = Tensors.floats(x);
    int[] errors = new int[fractions.length];
    for (int f = 0; f < fractions.length; f++) {
      float[] perturbed =
          perturb(pixels, saliency, imageSize, n, fractions[f], variant, seed, sampleIds);
      errors[f] = Misclassified.count(model, x, perturbed, y);
    }
    return new FractionErrors(fractions, errors, n);
  }

  static float clip01(float v) {
    return Math.min(1f, Math.max(0f, v));
  }

  static void checkShapes(float[] x, float[] saliency, int imageSize, int n, long[] sampleIds) {
    if (imageSize < 1 || n < 0) {
      throw new IllegalArgumentException(
          "imageSize must be >= 1 and n >= 0, were " + imageSize + " and " + n);
    }
    if (x.length != (long) n * imageSize) {
      throw new IllegalArgumentException(
          "x must hold n*imageSize = " + (long) n * imageSize + " values, was " + x.length);
    }
    if (saliency != null && saliency.length != x.length) {
      throw new IllegalArgumentException(
          "saliency must hold " + x.length + " values, was " + saliency.length);
    }
    if (sampleIds.length != n) {
      throw new IllegalArgumentException(
          "sampleIds must hold n = " + n + " ids, was " + sampleIds.length);
    }
  }
}
