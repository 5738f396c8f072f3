package io.igdstream.core.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.igdstream.core.model.GradientModel;
import java.nio.FloatBuffer;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The Square Attack (Andriushchenko, Croce, Flammarion, Hein, ECCV 2020, arXiv 1912.00049), a
 * score-based black-box random search, as AutoAttack's reference ({@code autoattack/square.py})
 * runs it in its {@code standard} version: untargeted, margin loss, one restart, 5,000 queries,
 * p_init = 0.8 and the p schedule <em>not</em> rescaled to the query budget. It uses forward passes
 * only ({@link GradientModel#logits} in inference mode), so a model whose input gradient is zero,
 * wrong or masked does not slow it down: it is AutoAttack's check for gradient masking.
 *
 * <p>Images are (N, C, H, W) in [0, 1], labels (N) class indices, ε in pixel units. The loss per
 * image is the margin m(x) = z_y(x) − max_{j≠y} z_j(x) on the logits; an image counts as fooled
 * once m ≤ 0 and is then never queried again. Images the model already misclassifies are left as
 * they are and cost one forward pass (the clean check). The others start from
 *
 * <ul>
 *   <li>ℓ∞: vertical stripes, x_best = clip_[0,1](x + ε·σ) with one sign σ ∈ {±1} per image,
 *       channel and column;
 *   <li>ℓ2: a grid of ⌊H/5⌋-pixel tiles starting at ⌊(H − 5⌊H/5⌋)/2⌋, each tile holding {@link
 *       #window} times one sign per image and channel, the sum rescaled to ‖δ‖₂ = ε, then clipped
 *       to [0, 1];
 * </ul>
 *
 * and then, at query i = 0, 1, …, queries − 1, every image not yet fooled (m > 0) gets one
 * proposal, all in one forward pass. The square's side follows the fraction p = {@link #pSelection}
 * of the image it covers ({@link #linfSide}, {@link #l2Side}); a proposal replaces x_best when its
 * margin is lower (strictly) or ≤ 0.
 *
 * <ul>
 *   <li>ℓ∞ proposal: inside a random s×s square, channel ch is set to x_best + 2ε·σ_ch (σ_ch = ±1),
 *       projected onto the ε-box around x and then onto [0, 1], i.e. moved to a vertex of the box.
 *   <li>ℓ2 proposal: with δ = x_best − x, two random s×s squares W₁ and W₂; per channel, W₁'s
 *       content becomes (σ·η + δ_{W₁}/‖δ_{W₁}‖) rescaled to the norm √(max(ε² − ‖δ‖², 0)/C +
 *       ‖δ_{W₁∪W₂}‖²), W₂ is zeroed (so its mass moves to W₁), and the whole δ is rescaled to ‖δ‖₂
 *       = ε before clipping x + δ to [0, 1]. η is {@link #window}, one for the batch.
 * </ul>
 *
 * <p>Quirks of the reference reproduced here: the initial evaluation is a query of its own, so an
 * image that is never fooled sees 1 + queries model evaluations during the search (plus the clean
 * check before and the success check after, both as the reference does them); the square's position
 * is drawn as ⌊(H − s)·u⌋, u ∈ [0, 1), so the last position (H − s) is never used; the square's
 * position and its per-channel signs (ℓ∞) or η and its orientation (ℓ2) are drawn once per query
 * and shared by every image in the batch, so results depend on the batch composition; images whose
 * margin is exactly 0 are neither attacked nor counted as robust by the search; the returned image
 * is x itself (not x_best) for every image the attack did not fool; restarts > 1 re-run the search
 * on the images still robust, continuing the random stream.
 *
 * <p>Differences: the random numbers come from {@link SplittableRandom}(seed) rather than
 * libtorch's MT19937, so results are reproducible from the seed but not the reference's bits; signs
 * are ±1 (the reference's sign(2u − 1) is 0 with probability 2⁻²⁴); ℓ2 tiles that fall outside the
 * image are clipped to it (the reference fails on such shapes); norms are accumulated in double.
 */
public final class Square implements Attack {

  /** Added to norms before dividing by them, as the reference does. */
  private static final double TINY = 1e-12;

  private final SquareSettings settings;

  public Square(SquareSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  public SquareSettings settings() {
    return settings;
  }

  @Override
  public String name() {
    return "square-" + settings.norm().key() + "-" + settings.queries();
  }

  /**
   * The fraction p of the image the square covers at 0-based query {@code iteration}: p_init for i
   * ≤ 10, halved after 10, 50, 200, 500, 1000, 2000, 4000, 6000 and 8000 (p_init/512 from i = 8001
   * on). AutoAttack's standard version does not rescale i to the query budget, so with 5,000
   * queries the schedule stops at p_init/128.
   */
  public static double pSelection(double pInit, int iteration) {
    int[] bounds = {10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000};
    int halvings = 0;
    while (halvings < bounds.length && iteration > bounds[halvings]) {
      halvings++;
    }
    return pInit / (1 << halvings);
  }

  /**
   * The ℓ∞ square's side for fraction p of a C×H×W image: max(round(√(p·CHW/C)), 1), at most min(H,
   * W); round() takes halves to even as Python's does. 25, 18, 13, 9, 6, 4, 3, 2 on 28×28 for
   * p_init = 0.8 and its halvings.
   */
  public static int linfSide(double p, int channels, int height, int width) {
    int side = Math.max((int) Math.rint(Math.sqrt(p * (channels * height * width) / channels)), 1);
    return Math.min(side, Math.min(height, width));
  }

  /**
   * The ℓ2 square's side: max(round(√(p·CHW/C)), 3), made odd by adding 1, then at most min(H, W)
   * (which may make it even again, as in the reference).
   */
  public static int l2Side(double p, int channels, int height, int width) {
    int side = Math.max((int) Math.rint(Math.sqrt(p * (channels * height * width) / channels)), 3);
    if (side % 2 == 0) {
      side++;
    }
    return Math.min(side, Math.min(height, width));
  }

  /**
   * The reference's {@code eta_rectangles}: a rows×cols array (row-major) of nested rectangles,
   * ring k = 0, 1, … adding 1/(k+1)² on rows [max(r_c − 1 − k, 0), min(r_c + k, rows)) and columns
   * [max(c_c − 1 − k, 0), min(c_c + k, cols)), with r_c = ⌊rows/2⌋ + 1, c_c = ⌊cols/2⌋ + 1 and
   * max(r_c, c_c) rings; then scaled to ℓ2 norm 1. The peak sits at (r_c − 1, c_c − 1), below and
   * right of the centre for even sizes.
   */
  public static float[] rectangles(int rows, int cols) {
    float[] values = new float[rows * cols];
    if (values.length == 0) {
      return values;
    }
    int rowCentre = rows / 2 + 1;
    int colCentre = cols / 2 + 1;
    for (int k = 0; k < Math.max(rowCentre, colCentre); k++) {
      float add = 1f / ((float) (k + 1) * (k + 1));
      for (int r = Math.max(rowCentre - 1 - k, 0); r < Math.min(rowCentre + k, rows); r++) {
        for (int c = Math.max(colCentre - 1 - k, 0); c < Math.min(colCentre + k, cols); c++) {
          values[r * cols + c] += add;
        }
      }
    }
    scaleToUnitNorm(values);
    return values;
  }

  /**
   * The reference's ℓ2 window {@code eta(s)} ("meta pseudo-gaussian"), an s×s array (row-major) of
   * ℓ2 norm 1: the top ⌊s/2⌋ rows are {@link #rectangles}(⌊s/2⌋, s), the other s − ⌊s/2⌋ rows minus
   * {@link #rectangles}(s − ⌊s/2⌋, s), the whole scaled to norm 1 (each half then has norm 1/√2);
   * transposed when {@code transpose} (the reference draws it with probability 1/2).
   */
  public static float[] window(int side, boolean transpose) {
    float[] values = new float[side * side];
    int top = side / 2;
    float[] upper = rectangles(top, side);
    float[] lower = rectangles(side - top, side);
    System.arraycopy(upper, 0, values, 0, upper.length);
    for (int j = 0; j < lower.length; j++) {
      values[upper.length + j] = -lower[j];
    }
    scaleToUnitNorm(values);
    if (!transpose) {
      return values;
    }
    float[] transposed = new float[values.length];
    for (int r = 0; r < side; r++) {
      for (int c = 0; c < side; c++) {
        transposed[c * side + r] = values[r * side + c];
      }
    }
    return transposed;
  }

  @Override
  public NDArray perturb(GradientModel model, NDArray x, NDArray labels, long seed) {
    Shape shape = x.getShape();
    if (shape.dimension() != 4) {
      throw new IllegalArgumentException(name() + ": images must be (N, C, H, W), were " + shape);
    }
    int n = Math.toIntExact(shape.get(0));
    try (NDManager scope = x.getManager().newSubManager()) {
      Search search =
          new Search(
              model,
              scope,
              x.getDataType(),
              (int) shape.get(1),
              (int) shape.get(2),
              (int) shape.get(3));
      float[] clean = floats(x, scope);
      long[] y = longs(labels, scope);
      if (y.length != n) {
        throw new IllegalArgumentException(
            name() + ": " + y.length + " labels for " + n + " images");
      }
      float[] adv = clean.clone();
      boolean[] robust = search.correct(clean, n, y);
      SplittableRandom random = new SplittableRandom(seed);
      int d = search.d;
      for (int restart = 0; restart < settings.restarts(); restart++) {
        int[] attacked = indices(robust);
        if (attacked.length == 0) {
          break;
        }
        float[] xs = new float[attacked.length * d];
        long[] ys = new long[attacked.length];
        for (int k = 0; k < attacked.length; k++) {
          System.arraycopy(clean, attacked[k] * d, xs, k * d, d);
          ys[k] = y[attacked[k]];
        }
        float[] found =
            settings.norm() == Norm.LINF ? search.linf(xs, ys, random) : search.l2(xs, ys, random);
        boolean[] still = search.correct(found, attacked.length, ys);
        for (int k = 0; k < attacked.length; k++) {
          if (!still[k]) {
            robust[attacked[k]] = false;
            System.arraycopy(found, k * d, adv, attacked[k] * d, d);
          }
        }
      }
      NDArray xAdv = search.array(scope, adv, n);
      xAdv.attach(x.getManager());
      PerturbationCheck.requireValid(name(), x, xAdv, settings.norm(), settings.eps());
      return xAdv;
    }
  }

  /** The random search on images xs (rows of C·H·W floats) with labels ys, all queried together. */
  private final class Search {
    private final GradientModel model;
    private final NDManager scope;
    private final DataType modelType;
    private final int c;
    private final int h;
    private final int w;
    private final int d;
    private final float eps;

    Search(GradientModel model, NDManager scope, DataType modelType, int c, int h, int w) {
      this.model = model;
      this.scope = scope;
      this.modelType = modelType;
      this.c = c;
      this.h = h;
      this.w = w;
      this.d = c * h * w;
      this.eps = (float) settings.eps();
    }

    float[] linf(float[] x, long[] y, SplittableRandom random) {
      int n = y.length;
      float[] best = new float[n * d];
      for (int i = 0; i < n; i++) {
        for (int ch = 0; ch < c; ch++) {
          for (int col = 0; col < w; col++) {
            float shift = random.nextBoolean() ? eps : -eps;
            for (int row = 0; row < h; row++) {
              int j = i * d + (ch * h + row) * w + col;
              best[j] = clip01(x[j] + shift);
            }
          }
        }
      }
      float[] margin = margins(best, n, y, null);
      if (allNegative(margin)) {
        return best;
      }
      float twoEps = (float) (2 * settings.eps());
      float[] batch = new float[n * d];
      int[] active = new int[n];
      float[] shift = new float[c];
      for (int it = 0; it < settings.queries(); it++) {
        int count = stillToFool(margin, active);
        if (count == 0) {
          break;
        }
        int s = linfSide(pSelection(settings.pInit(), it), c, h, w);
        int vh = position(random, h - s);
        int vw = position(random, w - s);
        for (int ch = 0; ch < c; ch++) {
          shift[ch] = random.nextBoolean() ? twoEps : -twoEps;
        }
        for (int k = 0; k < count; k++) {
          int from = active[k] * d;
          int to = k * d;
          System.arraycopy(best, from, batch, to, d);
          for (int ch = 0; ch < c; ch++) {
            for (int row = vh; row < vh + s; row++) {
              for (int col = vw, j = (ch * h + row) * w + vw; col < vw + s; col++, j++) {
                float xj = x[from + j];
                float v = best[from + j] + shift[ch];
                batch[to + j] = clip01(Math.min(Math.max(v, xj - eps), xj + eps));
              }
            }
          }
        }
        float[] proposed = margins(batch, count, y, active);
        for (int k = 0; k < count; k++) {
          int i = active[k];
          if (proposed[k] < margin[i] || proposed[k] <= 0) {
            margin[i] = proposed[k];
            System.arraycopy(batch, k * d, best, i * d, d);
          }
        }
      }
      return best;
    }

    float[] l2(float[] x, long[] y, SplittableRandom random) {
      if (h < 5) {
        throw new IllegalArgumentException(name() + ": l2 needs images of height >= 5, was " + h);
      }
      int n = y.length;
      float[] delta = new float[n * d];
      int tile = h / 5;
      int start = (h - 5 * tile) / 2;
      for (int a = 0; a < h / tile; a++) {
        for (int b = 0; b < w / tile; b++) {
          int vh = start + a * tile;
          int vw = start + b * tile;
          float[] eta = window(tile, random.nextBoolean());
          for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
              float sign = random.nextBoolean() ? 1f : -1f;
              for (int r = 0; r < tile && vh + r < h; r++) {
                for (int col = 0; col < tile && vw + col < w; col++) {
                  delta[i * d + (ch * h + vh + r) * w + vw + col] += eta[r * tile + col] * sign;
                }
              }
            }
          }
        }
      }
      float[] best = new float[n * d];
      for (int i = 0; i < n; i++) {
        toImage(x, delta, i * d, best, i * d);
      }
      float[] margin = margins(best, n, y, null);
      if (allNegative(margin)) {
        return best;
      }
      float[] batch = new float[n * d];
      float[] dc = new float[d];
      int[] active = new int[n];
      for (int it = 0; it < settings.queries(); it++) {
        int count = stillToFool(margin, active);
        if (count == 0) {
          break;
        }
        int s = l2Side(pSelection(settings.pInit(), it), c, h, w);
        int vh = position(random, h - s);
        int vw = position(random, w - s);
        int vh2 = position(random, h - s);
        int vw2 = position(random, w - s);
        float[] eta = window(s, random.nextBoolean());
        float[] fresh = new float[s * s];
        for (int k = 0; k < count; k++) {
          int from = active[k] * d;
          double imageSq = 0;
          for (int j = 0; j < d; j++) {
            dc[j] = best[from + j] - x[from + j];
            imageSq += (double) dc[j] * dc[j];
          }
          double spare = Math.max((double) eps * eps - imageSq, 0) / c;
          for (int ch = 0; ch < c; ch++) {
            int base = ch * h * w;
            double firstSq = 0;
            double unionSq = 0;
            for (int r = vh; r < vh + s; r++) {
              for (int col = vw; col < vw + s; col++) {
                double v = dc[base + r * w + col];
                firstSq += v * v;
              }
            }
            unionSq += firstSq;
            for (int r = vh2; r < vh2 + s; r++) {
              for (int col = vw2; col < vw2 + s; col++) {
                boolean inFirst = r >= vh && r < vh + s && col >= vw && col < vw + s;
                if (!inFirst) {
                  double v = dc[base + r * w + col];
                  unionSq += v * v;
                }
              }
            }
            float sign = random.nextBoolean() ? 1f : -1f;
            double firstNorm = TINY + Math.sqrt(firstSq);
            double freshSq = 0;
            for (int r = 0; r < s; r++) {
              for (int col = 0; col < s; col++) {
                double v = eta[r * s + col] * sign + dc[base + (vh + r) * w + vw + col] / firstNorm;
                fresh[r * s + col] = (float) v;
                freshSq += v * v;
              }
            }
            double scale = Math.sqrt(spare + unionSq) / (TINY + Math.sqrt(freshSq));
            for (int r = vh2; r < vh2 + s; r++) {
              for (int col = vw2; col < vw2 + s; col++) {
                dc[base + r * w + col] = 0;
              }
            }
            for (int r = 0; r < s; r++) {
              for (int col = 0; col < s; col++) {
                dc[base + (vh + r) * w + vw + col] = (float) (fresh[r * s + col] * scale);
              }
            }
          }
          toImage(x, dc, from, batch, k * d, 0);
        }
        float[] proposed = margins(batch, count, y, active);
        for (int k = 0; k < count; k++) {
          int i = active[k];
          if (proposed[k] < margin[i] || proposed[k] <= 0) {
            margin[i] = proposed[k];
            System.arraycopy(batch, k * d, best, i * d, d);
          }
        }
      }
      return best;
    }

    /** clip_[0,1](x + ε·δ/(‖δ‖₂ + 1e-12)) for the image at {@code at} (δ at the same offset). */
    private void toImage(float[] x, float[] delta, int at, float[] out, int outAt) {
      toImage(x, delta, at, out, outAt, at);
    }

    /** The same with δ read from {@code deltaAt}. */
    private void toImage(float[] x, float[] delta, int at, float[] out, int outAt, int deltaAt) {
      double sq = 0;
      for (int j = 0; j < d; j++) {
        double v = delta[deltaAt + j];
        sq += v * v;
      }
      double scale = eps / (Math.sqrt(sq) + TINY);
      for (int j = 0; j < d; j++) {
        out[outAt + j] = clip01(x[at + j] + (float) (delta[deltaAt + j] * scale));
      }
    }

    /**
     * Whether each of the first n rows is classified as its label (argmax, first index on ties).
     */
    boolean[] correct(float[] rows, int n, long[] y) {
      boolean[] hit = new boolean[n];
      if (n == 0) {
        return hit;
      }
      float[] z = logits(rows, n);
      int k = z.length / n;
      for (int i = 0; i < n; i++) {
        int arg = 0;
        for (int j = 1; j < k; j++) {
          if (z[i * k + j] > z[i * k + arg]) {
            arg = j;
          }
        }
        hit[i] = arg == y[i];
      }
      return hit;
    }

    /**
     * Margins z_y − max_{j≠y} z_j of the first n rows; row k's label is y[which[k]] (y[k] without
     * {@code which}).
     */
    private float[] margins(float[] rows, int n, long[] y, int[] which) {
      float[] z = logits(rows, n);
      int k = z.length / n;
      float[] margin = new float[n];
      for (int i = 0; i < n; i++) {
        int label = (int) y[which == null ? i : which[i]];
        float other = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
          if (j != label) {
            other = Math.max(other, z[i * k + j]);
          }
        }
        margin[i] = z[i * k + label] - other;
      }
      return margin;
    }

    /** One forward pass on the first n rows (one query per row). */
    private float[] logits(float[] rows, int n) {
      try (NDManager query = scope.newSubManager()) {
        NDArray z = model.logits(array(query, rows, n), false);
        return z.getDataType() == DataType.FLOAT32
            ? z.toFloatArray()
            : z.toType(DataType.FLOAT32, false).toFloatArray();
      }
    }

    /** The first n rows as an (n, C, H, W) array of the model's type, in {@code manager}. */
    NDArray array(NDManager manager, float[] rows, int n) {
      NDArray values =
          manager.create(FloatBuffer.wrap(rows, 0, n * d), new Shape(n, c, h, w), DataType.FLOAT32);
      return modelType == DataType.FLOAT32 ? values : values.toType(modelType, false);
    }
  }

  private static int stillToFool(float[] margin, int[] active) {
    int count = 0;
    for (int i = 0; i < margin.length; i++) {
      if (margin[i] > 0) {
        active[count++] = i;
      }
    }
    return count;
  }

  private static boolean allNegative(float[] margin) {
    for (float m : margin) {
      if (!(m < 0)) {
        return false;
      }
    }
    return true;
  }

  /**
   * ⌊range·u⌋ for u ∈ [0, 1): the reference's {@code random_int(0, range)}, never {@code range}.
   */
  private static int position(SplittableRandom random, int range) {
    return range > 0 ? random.nextInt(range) : 0;
  }

  private static float clip01(float v) {
    return v < 0f ? 0f : (v > 1f ? 1f : v);
  }

  private static void scaleToUnitNorm(float[] values) {
    double sq = 0;
    for (float v : values) {
      sq += (double) v * v;
    }
    float norm = (float) Math.sqrt(sq);
    for (int j = 0; j < values.length; j++) {
      values[j] /= norm;
    }
  }

  private static int[] indices(boolean[] flags) {
    int count = 0;
    for (boolean f : flags) {
      count += f ? 1 : 0;
    }
    int[] out = new int[count];
    for (int i = 0, k = 0; i < flags.length; i++) {
      if (flags[i]) {
        out[k++] = i;
      }
    }
    return out;
  }

  private static float[] floats(NDArray array, NDManager scope) {
    if (array.getDataType() == DataType.FLOAT32) {
      return array.toFloatArray();
    }
    NDArray converted = array.toType(DataType.FLOAT32, false);
    converted.attach(scope);
    return converted.toFloatArray();
  }

  private static long[] longs(NDArray array, NDManager scope) {
    if (array.getDataType() == DataType.INT64) {
      return array.toLongArray();
    }
    NDArray converted = array.toType(DataType.INT64, false);
    converted.attach(scope);
    return converted.toLongArray();
  }
}
