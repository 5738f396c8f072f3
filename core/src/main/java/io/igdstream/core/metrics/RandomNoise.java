package io.igdstream.core.metrics;

import ai.djl.ndarray.NDArray;
import io.igdstream.core.model.GradientModel;

/**
 * Random noise (RN), the control for the inductive noise attack in Duan et al. (ICLR 2023) and
 * Chen, Dong, Xie (2023, IGD) (docs/PROTOCOL.md §2): per sample, k = ⌊C·H·W·t⌋ elements chosen
 * uniformly without replacement (partial Fisher–Yates), x′ = clip_[0,1](x + M⊙ε) with ε ~ N(0, 1)
 * i.i.d. Default t ∈ {0.02, 0.04, …, 0.20}.
 *
 * <p>Two seeded draws per sample, from {@link SampleSeeds#of}(seed, sample id, {@value #MASK_TEST})
 * for the positions and (…, {@value #NOISE_TEST}) for the C·H·W noise field; both are the same for
 * every t, so the masks are nested (the positions at t are a prefix of those at t′ > t). Batches
 * are flat row-major (N, C, H, W) float arrays in [0, 1]; the model runs in inference mode.
 */
public final class RandomNoise {

  /** The seed's test name for the positions. */
  public static final String MASK_TEST = "random-noise/mask";

  /** The seed's test name for the noise values. */
  public static final String NOISE_TEST = "random-noise/values";

  /** t = 0.02, 0.04, …, 0.20. */
  public static final double[] DEFAULT_FRACTIONS = {
    0.02, 0.04, 0.06, 0.08, 0.10, 0.12, 0.14, 0.16, 0.18, 0.20
  };

  private RandomNoise() {}

  /**
   * The ⌊size·t⌋ positions of sample {@code sampleId} (see {@link InductiveNoiseAttack#budget}).
   */
  public static int[] positions(long seed, long sampleId, int imageSize, double t) {
    return Draws.withoutReplacement(
        SampleSeeds.of(seed, sampleId, MASK_TEST),
        imageSize,
        InductiveNoiseAttack.budget(imageSize, t));
  }

  /** x′ for a batch of n images of {@code imageSize} = C·H·W values in [0, 1]; a new array. */
  public static float[] perturb(
      float[] x, int imageSize, int n, double t, long seed, long[] sampleIds) {
    InductiveNoiseAttack.checkShapes(x, null, imageSize, n, sampleIds);
    float[] out = x.clone();
    for (int i = 0; i < n; i++) {
      int offset = i * imageSize;
      float[] eps = Draws.normal(SampleSeeds.of(seed, sampleIds[i], NOISE_TEST), imageSize);
      for (int j : positions(seed, sampleIds[i], imageSize, t)) {
        out[offset + j] = InductiveNoiseAttack.clip01(x[offset + j] + eps[j]);
      }
    }
    return out;
  }

  /**
   * Misclassified samples at each t, one batched forward per t (count over the samples passed in).
   */
  public static FractionErrors errorCounts(
      GradientModel model,
      NDArray x,
      NDArray labels,
      long[] sampleIds,
      double[] fractions,
      long seed) {
    int[] shape = Tensors.chw(x);
    int n = shape[0];
    int imageSize = shape[1] * shape[2] * shape[3];
    long[] y = Tensors.labels(labels);
    Tensors.checkBatch(n, sampleIds, y, null, imageSize);
    float[] pixels = Tensors.floats(x);
    int[] errors = new int[fractions.length];
    for (int f = 0; f < fractions.length; f++) {
      errors[f] =
          Misclassified.count(
              model, x, perturb(pixels, imageSize, n, fractions[f], seed, sampleIds), y);
    }
    return new FractionErrors(fractions, errors, n);
  }
}
