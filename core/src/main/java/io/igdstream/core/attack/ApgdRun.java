package io.igdstream.core.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.igdstream.core.model.GradientModel;
import io.igdstream.core.model.Objective;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;

/**
 * One run of Auto-PGD (Croce &amp; Hein 2020, arXiv 2003.01690, Algorithm 1) on a batch, in the
 * order of operations of the AutoAttack reference's {@code attack_single_run}. Shared by {@link
 * ApgdCe} and {@link ApgdTargeted}, which differ only in the per-point loss.
 *
 * <p>With P(v) = clip_[0,1](min(max(v, x − ε), x + ε)) (ℓ∞; ℓ2 below), per point:
 *
 * <pre>
 * x⁰ = clip_[0,1](x + ε·t/(max|t| + 1e−12)), t ~ U(−1, 1)      (ℓ2: t ~ N(0, 1), ‖t‖₂)
 * η = 2ε;  a = 1 at i = 0, else 0.75
 * z = P(xⁱ + η·sign(∇L(xⁱ)))
 * xⁱ⁺¹ = P(xⁱ + a·(z − xⁱ) + (1 − a)·(xⁱ − xⁱ⁻¹))
 * </pre>
 *
 * At each checkpoint (see {@link ApgdSettings#checkpoints}) with window k, η halves and the point
 * restarts from its best-loss iterate (with that iterate's gradient) where (1) at most ρ·k of the
 * last k steps raised the loss, or (2) η was not halved at the previous checkpoint and the best
 * loss has not risen since. Every point gets every iteration, fooled or not.
 *
 * <p>ℓ2 (the reference's L2 branch): start x + ε·t/(‖t‖₂ + 1e−12) with t ~ N(0, I), step xⁱ +
 * η·g/(‖g‖₂ + 1e−12), and P(v) = clip_[0,1](x + (v − x)/(‖v − x‖₂ + 1e−12)·min(ε, ‖v − x‖₂)): the
 * ball, then the box (not the exact projection onto their intersection, as the reference).
 *
 * <p>Reference quirks kept on purpose, so results compare with AutoAttack's: condition 1 is "≤ ρ·k"
 * (the paper has "<"); the first checkpoint compares L(0) with 0 rather than with the start's loss
 * (a wrapped index in the reference, see {@link #checkpoint}); after a restart the momentum term is
 * x_best − x_old with x_old the point the checkpoint's iteration began from; the returned
 * adversarial point is the last misclassified iterate, not the best-loss one.
 *
 * <p>Arrays: x (N, C, H, W) in [0, 1], labels (N); per-point state (losses, step sizes, flags)
 * lives in Java arrays, images in NDArrays of one per-iteration sub-manager. One forward-backward
 * pass per iteration gives gradient, loss and prediction together (the objective records the latter
 * two from the logits it is given), so an iteration costs what a PGD step does.
 */
final class ApgdRun {

  /** The per-point loss (N) of logits (N, K); APGD maximises it. */
  interface Loss extends UnaryOperator<NDArray> {}

  /** What a test may watch after every iteration (after the checkpoint's halving and restart). */
  interface Trace {
    /**
     * @param i the loop index
     * @param iterate iteration i's new point (N, C, H, W), before any restart
     * @param loss the loss at that point, per point
     * @param next the point iteration i + 1 starts from (the best point where a restart happened)
     * @param stepSizes η per point for iteration i + 1 (after any halving)
     * @param reduced per point, whether the checkpoint at i halved η; null if i is no checkpoint
     */
    void iteration(
        int i, NDArray iterate, float[] loss, NDArray next, float[] stepSizes, boolean[] reduced);
  }

  /**
   * The outcome, arrays in the manager the run was given.
   *
   * @param xBest the highest-loss iterate per point
   * @param robust per point, whether every iterate (start included) was classified correctly
   * @param lossBest the highest loss per point
   * @param xBestAdv the last misclassified iterate per point; the start point where none was
   */
  record Result(NDArray xBest, boolean[] robust, float[] lossBest, NDArray xBestAdv) {}

  private final Norm norm;
  private final double eps;
  private final int iterations;
  private final double rho;
  private final boolean[] isCheckpoint;
  private final int[] window;

  ApgdRun(ApgdSettings settings) {
    this.norm = settings.norm();
    this.eps = settings.eps();
    this.iterations = settings.iterations();
    this.rho = settings.rho();
    this.isCheckpoint = new boolean[iterations];
    this.window = new int[iterations];
    List<Integer> checkpoints = ApgdSettings.checkpoints(iterations);
    int previous = -1;
    for (int index : checkpoints) {
      isCheckpoint[index] = true;
      window[index] = index - previous;
      previous = index;
    }
  }

  /** A run from the seeded random start. */
  Result run(GradientModel model, NDArray x, NDArray labels, Loss loss, long seed, NDManager out) {
    return run(model, x, labels, loss, seed, null, null, out);
  }

  /**
   * A run; {@code start}, when given, replaces the random start (the reference's {@code x_init}),
   * and {@code trace} sees every iteration. Results are attached to {@code out}.
   */
  Result run(
      GradientModel model,
      NDArray x,
      NDArray labels,
      Loss loss,
      long seed,
      NDArray start,
      Trace trace,
      NDManager out) {
    int n = Math.toIntExact(x.getShape().get(0));
    DataType type = x.getDataType();
    Shape rowShape = rowShape(x.getShape(), n);
    float epsF = (float) eps;
    long[] y = labels.toType(DataType.INT64, false).toLongArray();
    try (NDManager scope = out.newSubManager()) {
      NDArray xs = x.duplicate();
      xs.attach(scope);
      NDArray lo = xs.sub(epsF);
      NDArray hi = xs.add(epsF);
      NDArray xAdv;
      if (start != null) {
        xAdv = start.duplicate();
        xAdv.attach(scope);
        xAdv = xAdv.clip(0, 1);
      } else if (norm == Norm.LINF) {
        NDArray t = SeededNoise.uniform(scope, xs, -1, 1, seed);
        NDArray maxAbs = t.abs().reshape(n, -1).max(new int[] {1}).reshape(rowShape);
        xAdv = t.div(maxAbs.add(1e-12f)).mul(epsF).add(xs).clip(0, 1);
      } else {
        NDArray t = SeededNoise.normal(scope, xs, 1, seed);
        xAdv = t.div(rowNorm(t, n, rowShape).add(1e-12f)).mul(epsF).add(xs).clip(0, 1);
      }

      Evaluation first = Evaluation.at(model, xAdv, y, loss);
      NDArray grad = first.gradient;
      grad.attach(scope);
      NDArray gradBest = grad;
      NDArray xBest = xAdv;
      NDArray xBestAdv = xAdv;
      NDArray xAdvOld = xAdv;
      boolean[] robust = first.correct.clone();
      float[] lossBest = first.loss.clone();
      float[][] lossSteps = new float[iterations][];
      float[] stepSize = new float[n];
      Arrays.fill(stepSize, (float) (2.0 * eps));
      float[] lossBestLastCheck = lossBest.clone();
      boolean[] reducedLastCheck = new boolean[n];
      Arrays.fill(reducedLastCheck, true); // condition 2 is off at the first checkpoint

      for (int i = 0; i < iterations; i++) {
        try (NDManager step = scope.newSubManager()) {
          // Every op's result lands in its first operand's manager: move the state into `step` so
          // this iteration's temporaries and the superseded state are freed when it closes.
          for (NDArray a : new NDArray[] {xAdv, xAdvOld, grad, gradBest, xBest, xBestAdv}) {
            a.attach(step);
          }
          NDArray eta = step.create(stepSize, rowShape).toType(type, false);
          float a = i > 0 ? 0.75f : 1.0f;
          NDArray momentum = xAdv.sub(xAdvOld);
          xAdvOld = xAdv;
          NDArray next;
          if (norm == Norm.LINF) {
            NDArray z = project(xAdv.add(grad.sign().mul(eta)), lo, hi);
            next = project(z.sub(xAdv).mul(a).add(xAdv).add(momentum.mul(1f - a)), lo, hi);
          } else {
            NDArray unit = grad.div(rowNorm(grad, n, rowShape).add(1e-12f));
            NDArray z = projectL2(xAdv.add(unit.mul(eta)), xs, epsF, n, rowShape);
            next =
                projectL2(
                    z.sub(xAdv).mul(a).add(xAdv).add(momentum.mul(1f - a)), xs, epsF, n, rowShape);
          }
          xAdv = next;
          NDArray iterate = xAdv;

          Evaluation e = Evaluation.at(model, xAdv, y, loss);
          grad = e.gradient;
          grad.attach(step);
          boolean[] fooledNow = new boolean[n];
          for (int r = 0; r < n; r++) {
            fooledNow[r] = !e.correct[r];
            robust[r] &= e.correct[r];
          }
          // The reference keeps the LAST misclassified iterate, not the best-loss one.
          xBestAdv = select(fooledNow, xAdv, xBestAdv, step, rowShape);
          lossSteps[i] = e.loss;
          boolean[] improved = new boolean[n];
          for (int r = 0; r < n; r++) {
            improved[r] = e.loss[r] > lossBest[r]; // strict, as the reference
            if (improved[r]) {
              lossBest[r] = e.loss[r];
            }
          }
          xBest = select(improved, xAdv, xBest, step, rowShape);
          gradBest = select(improved, grad, gradBest, step, rowShape);

          boolean[] reduced = null;
          if (isCheckpoint[i]) {
            reduced =
                checkpoint(i, window[i], lossSteps, lossBest, lossBestLastCheck, reducedLastCheck);
            for (int r = 0; r < n; r++) {
              if (reduced[r]) {
                stepSize[r] /= 2;
              }
            }
            reducedLastCheck = reduced;
            lossBestLastCheck = lossBest.clone();
            // Restart from the best point with its gradient; the next step's momentum is then
            // x_best − (the point this iteration started from), as in the reference.
            xAdv = select(reduced, xBest, xAdv, step, rowShape);
            grad = select(reduced, gradBest, grad, step, rowShape);
          }
          if (trace != null) {
            trace.iteration(i, iterate, e.loss, xAdv, stepSize.clone(), reduced);
          }
          for (NDArray s : new NDArray[] {xAdv, xAdvOld, grad, gradBest, xBest, xBestAdv}) {
            s.attach(scope);
          }
        }
      }
      xBest.attach(out);
      xBestAdv.attach(out);
      return new Result(xBest, robust, lossBest, xBestAdv);
    }
  }

  /** The loss of one run of a multi-run attack, given the rows (of the full batch) it attacks. */
  interface RunLoss {
    /**
     * @param run the run's index, 0-based
     * @param rows the batch rows still robust, ascending
     * @param rowLabels their labels (rows.length)
     * @param cleanLogits the clean logits of the whole batch (N × K)
     * @param manager where the loss may keep arrays for the run's duration
     */
    Loss of(int run, long[] rows, NDArray rowLabels, float[][] cleanLogits, NDManager manager);
  }

  /**
   * The reference's {@code perturb}: classify x, then {@code runs} runs, each on the points still
   * robust (ascending), seeded with the r-th value of a {@link SplittableRandom} on {@code seed}
   * (drawn whether or not a run has points, so run r's start depends on (seed, r, its rows) only).
   * A point fooled by a run takes that run's last misclassified iterate; points never fooled (and
   * clean errors) come back as x. The result passes {@link PerturbationCheck} or this throws.
   */
  static NDArray attackRobust(
      String name,
      ApgdSettings settings,
      GradientModel model,
      NDArray x,
      NDArray labels,
      long seed,
      int runs,
      RunLoss runLoss) {
    int n = Math.toIntExact(x.getShape().get(0));
    ApgdRun engine = new ApgdRun(settings);
    SplittableRandom seeds = new SplittableRandom(seed);
    try (NDManager scope = x.getManager().newSubManager()) {
      NDArray xs = x.duplicate();
      xs.attach(scope);
      NDArray ys = labels.toType(DataType.INT64, true);
      ys.attach(scope);
      long[] y = ys.toLongArray();
      float[][] clean = new float[n][];
      boolean[] robust = new boolean[n];
      try (NDManager forward = scope.newSubManager()) {
        NDArray logits = xs.duplicate();
        logits.attach(forward);
        logits = model.logits(logits, false).toType(DataType.FLOAT32, false);
        int k = Math.toIntExact(logits.getShape().get(1));
        float[] flat = logits.toFloatArray();
        for (int r = 0; r < n; r++) {
          clean[r] = Arrays.copyOfRange(flat, r * k, (r + 1) * k);
          robust[r] = argMax(clean[r]) == y[r];
        }
      }
      NDArray adv = xs;
      for (int run = 0; run < runs; run++) {
        long runSeed = seeds.nextLong();
        long[] rows = IntStream.range(0, n).filter(r -> robust[r]).asLongStream().toArray();
        if (rows.length == 0) {
          continue;
        }
        try (NDManager runScope = scope.newSubManager()) {
          NDArray index = runScope.create(rows);
          NDArray xr = xs.get(runScope, new NDIndex("{}", index));
          NDArray yr = ys.get(runScope, new NDIndex("{}", index));
          Loss loss = runLoss.of(run, rows, yr, clean, runScope);
          Result result = engine.run(model, xr, yr, loss, runSeed, runScope);
          boolean[] fooled = new boolean[n];
          long[] source = new long[n]; // row r of the batch reads row source[r] of the run
          for (int j = 0; j < rows.length; j++) {
            if (!result.robust()[j]) {
              int r = (int) rows[j];
              fooled[r] = true;
              robust[r] = false;
              source[r] = j;
            }
          }
          NDArray spread =
              result.xBestAdv().get(runScope, new NDIndex("{}", runScope.create(source)));
          NDArray merged = select(fooled, spread, adv, runScope, rowShape(x.getShape(), n));
          merged.attach(scope);
          adv = merged;
        }
      }
      NDArray xAdv = adv == xs ? xs.duplicate() : adv;
      xAdv.attach(x.getManager());
      PerturbationCheck.requireValid(name, x, xAdv, settings.norm(), settings.eps());
      return xAdv;
    }
  }

  static int argMax(float[] values) {
    int best = 0;
    for (int j = 1; j < values.length; j++) {
      if (values[j] > values[best]) {
        best = j;
      }
    }
    return best;
  }

  private static Shape rowShape(Shape shape, int n) {
    long[] dims = new long[shape.dimension()];
    Arrays.fill(dims, 1);
    dims[0] = n;
    return new Shape(dims);
  }

  /**
   * Which points halve η at the checkpoint ending at loop index i with window k. Condition 1 counts
   * the rises Σ_{c<k} [L(i−c) > L(i−c−1)] and halves when count ≤ ρ·k ("≤" as the reference's code,
   * where the paper writes "<"). At the first checkpoint the last pair reads loss_steps[−1], which
   * in the reference is the still-zero last row of its loss table, so the loss before L(0) counts
   * as 0 (not the start point's loss): reproduced here for parity.
   */
  private boolean[] checkpoint(
      int i,
      int k,
      float[][] lossSteps,
      float[] lossBest,
      float[] lossBestLastCheck,
      boolean[] reducedLastCheck) {
    int n = lossBest.length;
    float threshold = (float) (k * rho);
    boolean[] reduced = new boolean[n];
    for (int r = 0; r < n; r++) {
      int count = 0;
      for (int c = 0; c < k; c++) {
        float current = lossSteps[i - c][r];
        float previous = i - c - 1 >= 0 ? lossSteps[i - c - 1][r] : 0f;
        if (current > previous) {
          count++;
        }
      }
      boolean oscillating = count <= threshold;
      boolean stalled = !reducedLastCheck[r] && lossBestLastCheck[r] >= lossBest[r];
      reduced[r] = oscillating || stalled;
    }
    return reduced;
  }

  /** Rows of {@code ifTrue} where {@code mask}, else of {@code ifFalse}; no copy when uniform. */
  private static NDArray select(
      boolean[] mask, NDArray ifTrue, NDArray ifFalse, NDManager step, Shape rowShape) {
    boolean any = false;
    boolean all = true;
    for (boolean m : mask) {
      any |= m;
      all &= m;
    }
    if (!any) {
      return ifFalse;
    }
    if (all) {
      return ifTrue;
    }
    // DJL's where does not broadcast: expand the per-row mask to the image shape (a view).
    NDArray condition = step.create(mask, rowShape).broadcast(ifTrue.getShape());
    return NDArrays.where(condition, ifTrue, ifFalse);
  }

  /** clip_[0,1](min(max(v, x − ε), x + ε)): the ε-box first, then [0, 1], as the reference. */
  private static NDArray project(NDArray v, NDArray lo, NDArray hi) {
    return v.maximum(lo).minimum(hi).clip(0, 1);
  }

  /** clip_[0,1](x + (v − x)/(‖v − x‖₂ + 1e−12)·min(ε, ‖v − x‖₂)). */
  private static NDArray projectL2(NDArray v, NDArray x, float eps, int n, Shape rowShape) {
    NDArray d = v.sub(x);
    NDArray length = rowNorm(d, n, rowShape);
    return d.div(length.add(1e-12f)).mul(length.minimum(eps)).add(x).clip(0, 1);
  }

  /** Per-row ℓ2 norms as (N, 1, 1, 1), √Σv² as the reference. */
  static NDArray rowNorm(NDArray v, int n, Shape rowShape) {
    return v.mul(v).reshape(n, -1).sum(new int[] {1}).sqrt().reshape(rowShape);
  }

  /** Loss, prediction and input gradient at one point, from a single forward-backward pass. */
  private static final class Evaluation {
    NDArray gradient;
    float[] loss;
    boolean[] correct;

    static Evaluation at(GradientModel model, NDArray xAdv, long[] y, Loss loss) {
      Evaluation e = new Evaluation();
      // The objective records the per-point loss and the prediction from the very logits the
      // gradient is taken of, so one pass gives all three (PGD's cost per iteration).
      Objective capture =
          logits -> {
            NDArray perPoint = loss.apply(logits);
            e.record(floats(perPoint), logits.argMax(1).toLongArray(), y);
            return perPoint.sum();
          };
      e.gradient = model.inputGradient(xAdv, capture, false, false);
      if (e.loss == null) { // a model that does not evaluate the objective: one more forward pass
        try (NDManager forward = xAdv.getManager().newSubManager()) {
          NDArray in = xAdv.duplicate();
          in.attach(forward);
          NDArray logits = model.logits(in, false);
          e.record(floats(loss.apply(logits)), logits.argMax(1).toLongArray(), y);
        }
      }
      return e;
    }

    private static float[] floats(NDArray a) {
      return a.getDataType() == DataType.FLOAT32
          ? a.toFloatArray()
          : a.toType(DataType.FLOAT32, false).toFloatArray();
    }

    private void record(float[] perPoint, long[] predicted, long[] y) {
      loss = perPoint;
      correct = new boolean[y.length];
      for (int r = 0; r < y.length; r++) {
        correct[r] = predicted[r] == y[r];
      }
    }
  }
}
