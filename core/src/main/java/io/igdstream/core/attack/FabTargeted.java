package io.igdstream.core.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.igdstream.core.model.GradientModel;
import io.igdstream.core.model.Objective;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Targeted FAB, FAB-T (Croce &amp; Hein 2020, "Minimally distorted adversarial examples with a fast
 * adaptive boundary attack", ICML, arXiv 1907.02044), as AutoAttack's {@code standard} version runs
 * it: a minimum-norm attack in ℓ∞ or ℓ2 that walks to the linearised decision boundary between the
 * true class y and a target t, and is then scored at the radius ε.
 *
 * <p>One run on the points still robust, for target t (per point, the class with the k-th highest
 * clean logit, k = 2, 3, …; y is the top one for a correctly classified point). With x⁽⁰⁾ = x (or a
 * random start) and for i = 0 … iterations − 1:
 *
 * <pre>
 *   f = z_t(x⁽ⁱ⁾) − z_y(x⁽ⁱ⁾),  w = ∇_x f,  b = w·x⁽ⁱ⁾ − f        (hyperplane {v : w·v = b})
 *   δ₁ = proj(x⁽ⁱ⁾),  δ₂ = proj(x)                                  ({@link FabProjection}, box [0,1])
 *   α  = min(max(a₁/(a₁ + a₂), 0), α_max),  a_j = max(‖δ_j‖, 1e-8)
 *   x⁽ⁱ⁺¹⁾ = clip_[0,1]((1 − α)(x⁽ⁱ⁾ + η·δ₁) + α(x + η·δ₂))
 *   if argmax f(x⁽ⁱ⁺¹⁾) ≠ y:  keep x⁽ⁱ⁺¹⁾ if ‖x⁽ⁱ⁺¹⁾ − x‖ is the smallest so far;
 *                             x⁽ⁱ⁺¹⁾ ← x + β·(x⁽ⁱ⁺¹⁾ − x)
 * </pre>
 *
 * A point counts as fooled when its smallest adversarial iterate is within ε (and still
 * misclassified when re-evaluated); it is then left out of the later runs. The result is, per
 * point, that iterate, or x itself when no run found one within ε (AutoAttack counts a FAB result
 * beyond ε as a failure). Defaults (AutoAttack {@code standard}, {@link FabSettings#standard}): 100
 * iterations, 1 run per target, 9 targets, α_max = 0.1, η = 1.05, β = 0.9.
 *
 * <p>Shapes and units: x is (N, C, H, W) in [0, 1], labels (N); ε is in the pixel units of the
 * norm. Each iteration costs one forward and backward pass (f and ∇f for all rows at once, through
 * the objective Σ_i (z_{i,t_i} − z_{i,y_i}), whose forward pass also gives f) plus one forward pass
 * for the success test. The model runs in inference mode.
 *
 * <p>Reference behaviour reproduced (fra31/auto-attack, {@code fab_base.py}): targets are taken
 * from the clean logits' ascending sort, position K − k (this sort is stable here; ties are
 * otherwise unspecified); the success test inside a run is untargeted (any class but y); targets
 * run in the outer loop and restarts in the inner one, each on the points still robust, and a point
 * keeps the minimum of the first run that fooled it within ε, not the minimum over all runs; the
 * bias α uses the projection of x onto the hyperplane linearised at x⁽ⁱ⁾; both projections are the
 * reference's, including its answer when the box cannot reach the hyperplane (the full move to the
 * box corner); restart r &gt; 0 starts at clip_[0,1](x + 0.5·ε·u/‖u‖), u uniform in [−1, 1]^D (ℓ∞)
 * or standard normal (ℓ2). With 1 restart, as AutoAttack runs it, no random numbers are drawn.
 * Differences: the projections run in double precision, the random numbers come from a
 * SplittableRandom seeded with {@code seed} (not libtorch's generator), and when K − 1 &lt; targets
 * only K − 1 targets run (the reference fails there).
 */
public final class FabTargeted implements Attack {

  /** FAB-T runs where AutoAttack's targeted attacks do: K ≥ 4. */
  public static final int MIN_CLASSES = 4;

  /** The floor on a projection's norm in the bias α, the reference's constant. */
  private static final double MIN_STEP_NORM = 1e-8;

  private static final double NOT_FOUND = 1e10;

  private final FabSettings settings;

  public FabTargeted(FabSettings settings) {
    this.settings = settings;
  }

  public FabSettings settings() {
    return settings;
  }

  /** Whether FAB-T runs on a model with {@code classes} classes (K ≥ 4, as APGD-T). */
  public static boolean applicable(int classes) {
    return classes >= MIN_CLASSES;
  }

  /** The number of targets run on a K-class model: min(targets, K − 1). */
  public int targetCount(int classes) {
    return Math.min(settings.targets(), classes - 1);
  }

  @Override
  public String name() {
    return "fab-t-" + settings.norm().key();
  }

  @Override
  public NDArray perturb(GradientModel model, NDArray x, NDArray labels, long seed) {
    int classes = model.classes();
    if (!applicable(classes)) {
      throw new IllegalArgumentException(
          "FAB-T needs at least " + MIN_CLASSES + " classes, the model has " + classes);
    }
    int n = Math.toIntExact(x.getShape().get(0));
    float[] clean = floats(x);
    int dim = n == 0 ? 0 : clean.length / n;
    long[] y = labels.toType(DataType.INT64, false).toLongArray();
    float[] cleanLogits;
    try (NDManager scope = x.getManager().newSubManager()) {
      NDArray input = x.duplicate();
      input.attach(scope);
      cleanLogits = floats(model.logits(input, false));
    }
    boolean[] robust = new boolean[n];
    for (int i = 0; i < n; i++) {
      robust[i] = argMax(cleanLogits, i, classes) == y[i];
    }
    float[] result = clean.clone();
    SplittableRandom random = new SplittableRandom(seed);
    for (int k = 2; k <= targetCount(classes) + 1; k++) {
      for (int restart = 0; restart < settings.restarts(); restart++) {
        int[] rows = indicesOf(robust);
        if (rows.length == 0) {
          break;
        }
        int[] target = new int[rows.length];
        for (int j = 0; j < rows.length; j++) {
          target[j] = rankedClass(cleanLogits, rows[j], classes, k);
        }
        Run run = singleRun(model, x, clean, dim, y, rows, target, restart > 0 ? random : null);
        acceptWithinEps(model, x, dim, y, rows, run, robust, result);
      }
    }
    NDArray xAdv;
    try (NDManager scope = x.getManager().newSubManager()) {
      xAdv = create(scope, result, x.getShape(), x.getDataType());
      xAdv.attach(x.getManager());
    }
    PerturbationCheck.requireValid(name(), x, xAdv, settings.norm(), settings.eps());
    return xAdv;
  }

  /** The best adversarial iterate of one run per row (its norm, or NOT_FOUND). */
  private record Run(float[] adv, double[] distance) {}

  private Run singleRun(
      GradientModel model,
      NDArray like,
      float[] clean,
      int dim,
      long[] y,
      int[] rows,
      int[] target,
      SplittableRandom randomStart) {
    int n = rows.length;
    int classes = model.classes();
    Norm norm = settings.norm();
    float[] origin = new float[n * dim];
    for (int j = 0; j < n; j++) {
      System.arraycopy(clean, rows[j] * dim, origin, j * dim, dim);
    }
    float[] current = randomStart == null ? origin.clone() : randomStart(origin, dim, randomStart);
    float[] adv = origin.clone();
    double[] best = new double[n];
    Arrays.fill(best, NOT_FOUND);
    // +1 at the target, −1 at the true class: the objective's row weights.
    float[] selector = new float[n * classes];
    long[] rowLabels = new long[n];
    for (int j = 0; j < n; j++) {
      rowLabels[j] = y[rows[j]];
      selector[j * classes + target[j]] += 1;
      selector[j * classes + (int) rowLabels[j]] -= 1;
    }
    Shape shape = rowShape(like, n);
    double[] point = new double[dim];
    double[] start = new double[dim];
    double[] w = new double[dim];
    for (int it = 0; it < settings.iterations(); it++) {
      float[] gradient;
      float[][] logits = new float[1][];
      try (NDManager scope = like.getManager().newSubManager()) {
        NDArray input = create(scope, current, shape, like.getDataType());
        Objective difference =
            z -> {
              logits[0] = floats(z.stopGradient());
              NDArray weights =
                  z.getManager()
                      .create(selector, new Shape(n, classes))
                      .toType(z.getDataType(), false);
              return z.mul(weights).sum();
            };
        gradient = floats(model.inputGradient(input, difference, false, false));
      }
      for (int j = 0; j < n; j++) {
        int off = j * dim;
        double f = logits[0][j * classes + target[j]] - logits[0][j * classes + (int) rowLabels[j]];
        double b = -f;
        for (int d = 0; d < dim; d++) {
          w[d] = gradient[off + d];
          point[d] = current[off + d];
          start[d] = origin[off + d];
          b += w[d] * point[d];
        }
        double[] fromCurrent = FabProjection.project(norm, point, w, b);
        double[] fromStart = FabProjection.project(norm, start, w, b);
        double a1 = Math.max(FabProjection.norm(norm, fromCurrent), MIN_STEP_NORM);
        double a2 = Math.max(FabProjection.norm(norm, fromStart), MIN_STEP_NORM);
        double alpha = Math.min(Math.max(a1 / (a1 + a2), 0), settings.alphaMax());
        double eta = settings.eta();
        for (int d = 0; d < dim; d++) {
          double v =
              (point[d] + eta * fromCurrent[d]) * (1 - alpha)
                  + (start[d] + eta * fromStart[d]) * alpha;
          current[off + d] = (float) Math.min(Math.max(v, 0), 1);
        }
      }
      int[] predicted = predict(model, like, current, shape, classes);
      float beta = (float) settings.beta();
      for (int j = 0; j < n; j++) {
        if (predicted[j] == rowLabels[j]) {
          continue;
        }
        int off = j * dim;
        double r = distance(norm, current, origin, off, dim);
        if (r < best[j]) {
          best[j] = r;
          System.arraycopy(current, off, adv, off, dim);
        }
        for (int d = 0; d < dim; d++) {
          current[off + d] = origin[off + d] + (current[off + d] - origin[off + d]) * beta;
        }
      }
    }
    return new Run(adv, best);
  }

  /**
   * Marks the rows whose run found an adversarial point within ε, still misclassified when
   * re-evaluated alone (the reference's check), as fooled and copies that point into the result.
   */
  private void acceptWithinEps(
      GradientModel model,
      NDArray like,
      int dim,
      long[] y,
      int[] rows,
      Run run,
      boolean[] robust,
      float[] result) {
    List<Integer> candidates = new ArrayList<>();
    for (int j = 0; j < rows.length; j++) {
      if (run.distance()[j] <= settings.eps()) {
        candidates.add(j);
      }
    }
    if (candidates.isEmpty()) {
      return;
    }
    float[] points = new float[candidates.size() * dim];
    for (int c = 0; c < candidates.size(); c++) {
      System.arraycopy(run.adv(), candidates.get(c) * dim, points, c * dim, dim);
    }
    int[] predicted =
        predict(model, like, points, rowShape(like, candidates.size()), model.classes());
    for (int c = 0; c < candidates.size(); c++) {
      int row = rows[candidates.get(c)];
      if (predicted[c] != y[row]) {
        robust[row] = false;
        System.arraycopy(points, c * dim, result, row * dim, dim);
      }
    }
  }

  /** clip_[0,1](x + 0.5·ε·u/‖u‖) per row, u uniform in [−1, 1] (ℓ∞) or standard normal (ℓ2). */
  private float[] randomStart(float[] origin, int dim, SplittableRandom random) {
    float[] start = new float[origin.length];
    double[] u = new double[dim];
    for (int off = 0; off < origin.length; off += dim) {
      for (int d = 0; d < dim; d++) {
        u[d] = settings.norm() == Norm.LINF ? 2 * random.nextDouble() - 1 : random.nextGaussian();
      }
      double scale = 0.5 * settings.eps() / Math.max(FabProjection.norm(settings.norm(), u), 1e-12);
      for (int d = 0; d < dim; d++) {
        start[off + d] = (float) Math.min(Math.max(origin[off + d] + scale * u[d], 0), 1);
      }
    }
    return start;
  }

  private static int[] predict(
      GradientModel model, NDArray like, float[] values, Shape shape, int classes) {
    try (NDManager scope = like.getManager().newSubManager()) {
      float[] logits =
          floats(model.logits(create(scope, values, shape, like.getDataType()), false));
      int n = Math.toIntExact(shape.get(0));
      int[] predicted = new int[n];
      for (int j = 0; j < n; j++) {
        predicted[j] = argMax(logits, j, classes);
      }
      return predicted;
    }
  }

  /** ‖a − b‖ of one row, the difference taken in float32 as {@link PerturbationCheck} does. */
  private static double distance(Norm norm, float[] a, float[] b, int off, int dim) {
    double acc = 0;
    for (int d = off; d < off + dim; d++) {
      double v = a[d] - b[d];
      acc = norm == Norm.LINF ? Math.max(acc, Math.abs(v)) : acc + v * v;
    }
    return norm == Norm.LINF ? acc : Math.sqrt(acc);
  }

  /** The first index of the row's largest logit (PyTorch's argmax on ties). */
  static int argMax(float[] logits, int row, int classes) {
    int best = 0;
    for (int k = 1; k < classes; k++) {
      if (logits[row * classes + k] > logits[row * classes + best]) {
        best = k;
      }
    }
    return best;
  }

  /**
   * The class at position K − k of the row's logits sorted ascending (stable): k = 1 is the top
   * class, k = 2 the runner-up, as the reference's {@code sort()[1][:, -k]}.
   */
  static int rankedClass(float[] logits, int row, int classes, int k) {
    Integer[] order = new Integer[classes];
    for (int c = 0; c < classes; c++) {
      order[c] = c;
    }
    Arrays.sort(
        order, (a, b) -> Float.compare(logits[row * classes + a], logits[row * classes + b]));
    return order[classes - k];
  }

  private static int[] indicesOf(boolean[] flags) {
    int count = 0;
    for (boolean f : flags) {
      count += f ? 1 : 0;
    }
    int[] rows = new int[count];
    for (int i = 0, j = 0; i < flags.length; i++) {
      if (flags[i]) {
        rows[j++] = i;
      }
    }
    return rows;
  }

  private static Shape rowShape(NDArray like, int n) {
    long[] dims = like.getShape().getShape().clone();
    dims[0] = n;
    return new Shape(dims);
  }

  private static float[] floats(NDArray array) {
    return array.getDataType() == DataType.FLOAT32
        ? array.toFloatArray()
        : array.toType(DataType.FLOAT32, false).toFloatArray();
  }

  private static NDArray create(NDManager manager, float[] values, Shape shape, DataType type) {
    NDArray array = manager.create(values, shape);
    return type == DataType.FLOAT32 ? array : array.toType(type, false);
  }
}
