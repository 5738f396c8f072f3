package io.igdstream.core.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.igdstream.core.model.GradientModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The inductive occlusion attack (IOA) of Duan et al., "Inequality phenomenon in l∞-adversarial
 * training, and its unrealized threats" (ICLR 2023), as Chen, Dong, Xie (2023, IGD) report it
 * (docs/PROTOCOL.md §2).
 *
 * <p>Attribution = the saliency ∂z_y/∂x averaged over channels (signed), H×W; its top-N pixel
 * locations by value (ties to the lower row-major index). The square of location (i, j) and
 * half-size r covers rows [max(i−r, 0), min(i+r, H)) and columns [max(j−r, 0), min(j+r, W)). Per
 * sample, stages (n, r) in order n = 1..N (outer), r = 1..R (inner): the union of the squares of
 * the first n locations is set to the fill c in every channel, and the search stops at the first
 * stage whose image is misclassified. At most N·R forward passes per sample.
 *
 * <p>Defaults: N = 10; <b>Decision</b> R = min(20, ⌈max(H, W)/2⌉); fills 0.5 (grey) and 1.0
 * (white), reported separately. Batched: each stage is one forward over the samples still standing,
 * so a batch costs at most N·R forward calls. Images (N, C, H, W) in [0, 1]; inference mode. Count
 * only samples the model classifies correctly on clean input (the caller restricts to the
 * joint-correct subset): a sample misclassified anyway is counted fooled at the first stage.
 */
public final class InductiveOcclusionAttack {

  /** N. */
  public static final int DEFAULT_LOCATIONS = 10;

  /** The cap on R. */
  public static final int MAX_HALF_SIZE = 20;

  /** Grey and white. */
  public static final float[] DEFAULT_FILLS = {0.5f, 1.0f};

  private final int locations;
  private final int halfSizes;

  /**
   * @param locations N, the most top attribution locations occluded (≥ 1)
   * @param halfSizes R, the largest half-size tried (≥ 1)
   */
  public InductiveOcclusionAttack(int locations, int halfSizes) {
    if (locations < 1) {
      throw new IllegalArgumentException("locations must be >= 1, was " + locations);
    }
    if (halfSizes < 1) {
      throw new IllegalArgumentException("half-sizes must be >= 1, was " + halfSizes);
    }
    this.locations = locations;
    this.halfSizes = halfSizes;
  }

  /** N = 10 and R = {@link #defaultHalfSizes}(H, W). */
  public static InductiveOcclusionAttack forImage(int height, int width) {
    return new InductiveOcclusionAttack(DEFAULT_LOCATIONS, defaultHalfSizes(height, width));
  }

  /** R = min(20, ⌈max(H, W)/2⌉): 14 at 28 px, 16 at 32 px, 20 from 40 px. */
  public static int defaultHalfSizes(int height, int width) {
    return Math.min(MAX_HALF_SIZE, (Math.max(height, width) + 1) / 2);
  }

  public int locations() {
    return locations;
  }

  public int halfSizes() {
    return halfSizes;
  }

  /** N·R, the most forward passes one sample can take. */
  public int maxForwardPasses() {
    return locations * halfSizes;
  }

  /**
   * One sample's search: whether it was fooled, at which stage (n, r), after how many forward
   * passes.
   */
  public record Outcome(boolean fooled, int locations, int halfSize, int forwardPasses) {}

  /**
   * One batch's search at one fill.
   *
   * @param outcomes per sample, in batch order
   * @param errors the samples fooled
   * @param forwardCalls the batched forward calls made (≤ N·R)
   */
  public record Result(List<Outcome> outcomes, int errors, int forwardCalls) {
    public Result {
      outcomes = List.copyOf(outcomes);
    }

    public int samples() {
      return outcomes.size();
    }
  }

  /** Channel-mean of one (C, H, W) map starting at {@code offset}: H·W values, row-major. */
  public static float[] attribution(
      float[] saliency, int offset, int channels, int height, int width) {
    int plane = height * width;
    Objects.checkFromIndexSize(offset, channels * plane, saliency.length);
    float[] mean = new float[plane];
    for (int p = 0; p < plane; p++) {
      double sum = 0;
      for (int c = 0; c < channels; c++) {
        sum += saliency[offset + c * plane + p];
      }
      mean[p] = (float) (sum / channels);
    }
    return mean;
  }

  /** Row-major indices i·W + j of the min(count, H·W) largest attribution values, largest first. */
  public static int[] topLocations(float[] attribution, int count) {
    return TopK.largest(attribution, 0, attribution.length, Math.min(count, attribution.length));
  }

  /**
   * The H×W occlusion mask (row-major) of stage (n, r): the union of the squares of half-size r
   * around the first n of {@code locations} (row-major pixel indices).
   */
  public static boolean[] mask(int height, int width, int[] locations, int n, int r) {
    if (n < 0 || n > locations.length) {
      throw new IllegalArgumentException("n must be in [0, " + locations.length + "], was " + n);
    }
    if (r < 0) {
      throw new IllegalArgumentException("half-size r must be >= 0, was " + r);
    }
    boolean[] mask = new boolean[height * width];
    for (int l = 0; l < n; l++) {
      int i = locations[l] / width;
      int j = locations[l] % width;
      int rowEnd = Math.min(i + r, height);
      int colEnd = Math.min(j + r, width);
      for (int row = Math.max(i - r, 0); row < rowEnd; row++) {
        Arrays.fill(mask, row * width + Math.max(j - r, 0), row * width + colEnd, true);
      }
    }
    return mask;
  }

  /**
   * Writes image x[offset ..] with every channel set to {@code fill} where {@code mask} holds into
   * out[outOffset ..].
   */
  public static void occlude(
      float[] x,
      int offset,
      int channels,
      int height,
      int width,
      boolean[] mask,
      float fill,
      float[] out,
      int outOffset) {
    int plane = height * width;
    for (int c = 0; c < channels; c++) {
      int src = offset + c * plane;
      int dst = outOffset + c * plane;
      for (int p = 0; p < plane; p++) {
        out[dst + p] = mask[p] ? fill : x[src + p];
      }
    }
  }

  /** The search at fill {@code fill}, with the saliency computed here. */
  public Result run(GradientModel model, NDArray x, NDArray labels, float fill) {
    return run(model, x, labels, Saliency.floats(model, x, labels), fill);
  }

  /** The search at fill {@code fill} with a saliency (N·C·H·W, row-major) the caller computed. */
  public Result run(GradientModel model, NDArray x, NDArray labels, float[] saliency, float fill) {
    if (!(fill >= 0 && fill <= 1)) {
      throw new IllegalArgumentException("fill must be in [0, 1], was " + fill);
    }
    int[] shape = Tensors.chw(x);
    int n = shape[0];
    int channels = shape[1];
    int height = shape[2];
    int width = shape[3];
    int imageSize = channels * height * width;
    long[] y = Tensors.labels(labels);
    Tensors.checkBatch(n, new long[n], y, saliency, imageSize);
    float[] pixels = Tensors.floats(x);
    int[][] top = new int[n][];
    for (int s = 0; s < n; s++) {
      top[s] =
          topLocations(attribution(saliency, s * imageSize, channels, height, width), locations);
    }
    Outcome[] outcomes = new Outcome[n];
    int[] standing = new int[n];
    for (int s = 0; s < n; s++) {
      standing[s] = s;
    }
    int left = n;
    int calls = 0;
    for (int loc = 1; loc <= locations && left > 0; loc++) {
      for (int r = 1; r <= halfSizes && left > 0; r++) {
        float[] batch = new float[left * imageSize];
        for (int b = 0; b < left; b++) {
          int s = standing[b];
          boolean[] mask = mask(height, width, top[s], Math.min(loc, top[s].length), r);
          occlude(pixels, s * imageSize, channels, height, width, mask, fill, batch, b * imageSize);
        }
        long[] predicted = forward(model, x, batch, left, channels, height, width);
        calls++;
        int kept = 0;
        for (int b = 0; b < left; b++) {
          int s = standing[b];
          if (predicted[b] != y[s]) {
            outcomes[s] = new Outcome(true, loc, r, calls);
          } else {
            standing[kept++] = s;
          }
        }
        left = kept;
      }
    }
    int errors = 0;
    for (int s = 0; s < n; s++) {
      if (outcomes[s] == null) {
        outcomes[s] = new Outcome(false, locations, halfSizes, calls);
      } else {
        errors++;
      }
    }
    return new Result(new ArrayList<>(Arrays.asList(outcomes)), errors, calls);
  }

  private static long[] forward(
      GradientModel model, NDArray like, float[] batch, int m, int c, int h, int w) {
    try (NDManager scope = like.getManager().newSubManager()) {
      NDArray xb = Tensors.create(scope, batch, new Shape(m, c, h, w), like.getDataType());
      return Tensors.predictions(model.logits(xb, false));
    }
  }
}
