package io.igdstream.app.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.igdstream.app.cli.BadInputException;
import io.igdstream.app.cli.OutputDirectory;
import io.igdstream.app.console.Log;
import io.igdstream.app.console.Progress;
import io.igdstream.core.attack.ApgdCe;
import io.igdstream.core.attack.ApgdSettings;
import io.igdstream.core.attack.ApgdTargeted;
import io.igdstream.core.attack.Attack;
import io.igdstream.core.attack.AutoAttack;
import io.igdstream.core.attack.AutoAttackResult;
import io.igdstream.core.attack.AutoAttackVersion;
import io.igdstream.core.attack.FabSettings;
import io.igdstream.core.attack.FabTargeted;
import io.igdstream.core.attack.Norm;
import io.igdstream.core.attack.Pgd;
import io.igdstream.core.attack.PgdSettings;
import io.igdstream.core.attack.Square;
import io.igdstream.core.attack.SquareSettings;
import io.igdstream.core.data.Dataset;
import io.igdstream.core.data.Datasets;
import io.igdstream.core.data.DebianDatasetPackage;
import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientModel;
import io.igdstream.core.model.Objective;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code igd bench autoattack}: what AutoAttack's members cost beside PGD-20. Image-iterations per
 * second of PGD-20, APGD-CE, APGD-T and FAB-T (one target each) and image-queries per second of
 * Square on small-cnn, batch 128, each attack's rounds alternating with PGD rounds on the same
 * batch, so each ratio compares runs seconds apart. Goals: APGD's cost per iteration within 1.15x
 * of PGD's, Square's queries/s at least 2.5x PGD's iterations/s. With {@code --full N}: the wall
 * time of AutoAttack {@code standard} and {@code apgd} on the first N test images for a trained
 * model, member by member.
 */
@Command(
    name = "autoattack",
    mixinStandardHelpOptions = true,
    header = "AutoAttack members' cost per iteration vs PGD-20.",
    description =
        "Image-iterations/s of PGD-20, APGD-CE, APGD-T, FAB-T and image-queries/s of Square, in"
            + " alternating rounds; --full N --model FILE: AutoAttack standard and apgd on N test"
            + " images.")
final class AutoAttackBenchmark implements Callable<Integer> {

  static final double APGD_GOAL = 1.15;
  static final double SQUARE_GOAL = 2.5;
  static final int PGD_STEPS = 20;

  @Option(
      names = "--rounds",
      defaultValue = "3",
      description =
          "Rounds; in each, every attack runs once right after a PGD-20 run on the same batch (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(
      names = "--batch",
      defaultValue = "128",
      description = "Batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--iterations",
      defaultValue = "20",
      description =
          "Iterations of APGD-CE, APGD-T and FAB-T per timed run (standard: 100; the cost per iteration does not depend on it) (default: ${DEFAULT-VALUE}).")
  int iterations;

  @Option(
      names = "--queries",
      defaultValue = "200",
      description = "Square's queries per timed run (standard: 5000) (default: ${DEFAULT-VALUE}).")
  int queries;

  @Option(
      names = "--warmup",
      defaultValue = "1",
      description = "Untimed runs of each attack first (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--full",
      paramLabel = "N",
      description =
          "Instead: wall time of AutoAttack standard and apgd on the first N Fashion-MNIST test images (needs --model).")
  Integer full;

  @Option(
      names = "--model",
      paramLabel = "FILE",
      description = "The trained model (.safetensors) for --full.")
  Path modelFile;

  @Option(
      names = "--data-dir",
      description = "Where Fashion-MNIST's files are, for --full (default: its usual place).")
  Path dataDir;

  @Mixin BenchOutputOption output;

  @Override
  public Integer call() {
    if (full != null) {
      return callFull();
    }
    if (rounds < 1 || batch < 1 || iterations < 1 || queries < 1 || warmup < 0) {
      throw new BadInputException(
          "--rounds, --batch, --iterations and --queries must be >= 1, --warmup >= 0");
    }
    if (output.dir != null) {
      OutputDirectory.prepare(output.dir);
    }
    Log log = Log.stderr();
    Benchmarks.Machine machine = Benchmarks.Machine.current();
    double eps = Benchmarks.PGD_10.eps();
    PgdSettings pgdSettings = Benchmarks.PGD_10.withSteps(PGD_STEPS);
    List<Kind> kinds =
        List.of(
            new Kind(
                "apgd-ce",
                new ApgdCe(ApgdSettings.standard(Norm.LINF, eps).withIterations(iterations)),
                iterations,
                false),
            new Kind(
                "apgd-t",
                new ApgdTargeted(
                    ApgdSettings.standard(Norm.LINF, eps)
                        .withIterations(iterations)
                        .withTargets(1)),
                iterations,
                false),
            new Kind(
                "fab-t",
                new FabTargeted(
                    FabSettings.standard(Norm.LINF, eps).withIterations(iterations).withTargets(1)),
                iterations,
                false),
            new Kind(
                "square",
                new Square(SquareSettings.standard(Norm.LINF, eps).withQueries(queries)),
                queries,
                true));
    Kind pgdKind = new Kind("pgd-20", new Pgd(pgdSettings), PGD_STEPS, false);
    // Per attack: [0] PGD seconds, [1] PGD units, [2] its seconds, [3] its units; units are
    // image-iterations (nominal: batch x iterations x targets) or, for Square, counted queries.
    Map<String, double[]> totals = new LinkedHashMap<>();
    Map<String, long[]> counted = new LinkedHashMap<>(); // forward rows, gradient rows
    for (Kind k : kinds) {
      totals.put(k.name, new double[4]);
      counted.put(k.name, new long[3]);
    }
    long[] pgdCounted = new long[3];
    try (Classifier classifier = Classifier.create(Architecture.SMALL_CNN, Benchmarks.SPEC, 0);
        NDManager data = classifier.manager().newSubManager()) {
      CountingModel model = new CountingModel(classifier);
      List<NDArray[]> batches = new ArrayList<>();
      for (NDArray[] b : Benchmarks.randomBatches(classifier, data, batch, rounds)) {
        // The model's own predictions as labels: every point starts correctly classified, so
        // FAB-T and Square attack the whole batch, as on a robust model's correct points.
        NDArray predicted = classifier.logits(b[0], false).argMax(1);
        batches.add(new NDArray[] {b[0], predicted});
      }
      for (int w = 0; w < warmup; w++) {
        NDArray[] b = batches.get(0);
        run(model, pgdKind, b, w);
        for (Kind k : kinds) {
          run(model, k, b, w);
        }
      }
      int total = rounds * kinds.size();
      try (Progress progress = Progress.start("bench autoattack", total, 0, "pairs", log)) {
        int done = 0;
        for (int r = 0; r < rounds; r++) {
          NDArray[] b = batches.get(r);
          for (Kind k : kinds) {
            double[] t = totals.get(k.name);
            model.reset();
            t[0] += run(model, pgdKind, b, r);
            t[1] += (double) batch * PGD_STEPS;
            add(pgdCounted, model);
            model.reset();
            t[2] += run(model, k, b, r);
            // Square stops querying a point once fooled: count the queries it made.
            t[3] += k.queries ? model.forwardRows : (double) batch * k.iterations;
            add(counted.get(k.name), model);
            done++;
            progress.stepTo(done, "round " + (r + 1) + "/" + rounds + ", " + k.name);
          }
        }
      }
    }

    Map<String, Object> figures = new LinkedHashMap<>();
    machine.print();
    System.out.printf(
        Locale.ROOT,
        "small-cnn (random weights, labels = its predictions), batch %d, linf eps %.2f; %d rounds,"
            + " each attack right after a PGD-20 run on the same batch; APGD/FAB %d iterations,"
            + " Square %d queries per run; one target for APGD-T and FAB-T%n",
        batch,
        eps,
        rounds,
        iterations,
        queries);
    System.out.printf(
        Locale.ROOT,
        "%-8s %16s %16s %20s %14s%n",
        "attack",
        "units/s",
        "PGD-20 it/s",
        "ratio",
        "goal");
    for (Kind k : kinds) {
      double[] t = totals.get(k.name);
      double pgdRate = t[1] / t[0];
      double rate = t[3] / t[2];
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("pgd_image_iterations_per_s", pgdRate);
      String ratioText;
      String goal;
      if (k.queries) {
        double ratio = rate / pgdRate;
        f.put("image_queries_per_s", rate);
        f.put("queries_per_s_over_pgd_iterations_per_s", ratio);
        f.put("mean_rows_per_query_call", counted.get(k.name)[0] / (double) counted.get(k.name)[2]);
        f.put("goal_min", SQUARE_GOAL);
        ratioText = String.format(Locale.ROOT, "%.2fx queries/it", ratio);
        goal =
            String.format(
                Locale.ROOT, ">= %.1f %s", SQUARE_GOAL, ratio >= SQUARE_GOAL ? "met" : "MISSED");
      } else {
        double ratio = pgdRate / rate; // cost per iteration relative to PGD's
        f.put("image_iterations_per_s", rate);
        f.put("cost_per_iteration_over_pgd", ratio);
        if (!k.name.equals("fab-t")) {
          f.put("goal_max", APGD_GOAL);
          goal =
              String.format(
                  Locale.ROOT, "<= %.2f %s", APGD_GOAL, ratio <= APGD_GOAL ? "met" : "MISSED");
        } else {
          goal = "-";
        }
        ratioText = String.format(Locale.ROOT, "%.2fx cost/it", ratio);
      }
      f.put("seconds", t[2]);
      f.put("pgd_seconds", t[0]);
      f.put("forward_rows", counted.get(k.name)[0]);
      f.put("gradient_rows", counted.get(k.name)[1]);
      figures.put(k.name, f);
      System.out.printf(
          Locale.ROOT, "%-8s %16.0f %16.0f %20s %14s%n", k.name, rate, pgdRate, ratioText, goal);
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("machine", machine.json());
    result.put("model", "small-cnn");
    result.put("weights", "random (seed 0), labels = its predictions");
    result.put("batch", batch);
    result.put("eps", eps);
    result.put("rounds", rounds);
    result.put("warmup", warmup);
    result.put("iterations", iterations);
    result.put("queries", queries);
    result.put("pgd_steps", PGD_STEPS);
    result.put("pgd_gradient_rows", pgdCounted[1]);
    result.put("attacks", figures);
    Benchmarks.writeJson(output.dir, "bench-autoattack.json", result);
    return 0;
  }

  private Integer callFull() {
    if (modelFile == null) {
      throw new BadInputException("--full needs --model FILE (a trained small-cnn)");
    }
    if (full < 1) {
      throw new BadInputException("--full must be >= 1, was " + full);
    }
    if (!Files.isRegularFile(modelFile)) {
      throw new BadInputException("model file " + modelFile + " does not exist");
    }
    if (output.dir != null) {
      OutputDirectory.prepare(output.dir);
    }
    Log log = Log.stderr();
    Benchmarks.Machine machine = Benchmarks.Machine.current();
    Path dir = DebianDatasetPackage.ensureFashionMnist(dataDir, log::info);
    Dataset test = Datasets.load(Datasets.DEFAULT_SPEC, dir, null).test();
    int points = Math.min(full, test.size());
    Map<String, Object> versions = new LinkedHashMap<>();
    List<String> lines = new ArrayList<>();
    try (Classifier model = Classifier.load(Checkpoint.read(modelFile))) {
      if (model.spec().channels() != test.channels()
          || model.spec().height() != test.height()
          || model.classes() != test.classCount()) {
        throw new BadInputException(
            modelFile + ": model takes " + model.spec() + " but the test set is " + test.shape());
      }
      int size = test.imageSize();
      float[] pixels = new float[points * size];
      long[] labels = new long[points];
      for (int i = 0; i < points; i++) {
        test.copyImage(i, pixels, i * size);
        labels[i] = test.labels()[i];
      }
      double eps = Norm.LINF.defaultEps(test.channels());
      for (AutoAttackVersion version : AutoAttackVersion.values()) {
        AutoAttack ensemble =
            version.ensemble(Norm.LINF, eps, test.classCount(), AutoAttackVersion.REFERENCE_BATCH);
        AutoAttackResult r;
        long t0 = System.nanoTime();
        try (NDManager scope = model.manager().newSubManager();
            MemberProgress progress = new MemberProgress(version.key(), log)) {
          r =
              ensemble.run(
                  model, model.images(scope, pixels, points), scope.create(labels), 0, progress);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("wall_seconds", wall);
        v.put("clean_accuracy", r.cleanAccuracy());
        v.put("robust_accuracy", r.robustAccuracy());
        Map<String, Object> members = new LinkedHashMap<>();
        lines.add(
            String.format(
                Locale.ROOT,
                "%-8s %-8s %9.1f s %8s %8s %9s  (clean %.4f)",
                version.key(),
                "total",
                wall,
                "",
                "",
                String.format(Locale.ROOT, "%.4f", r.robustAccuracy()),
                r.cleanAccuracy()));
        for (AutoAttackResult.Outcome o : r.attacks()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("seconds", o.seconds());
          m.put("share_of_wall", o.seconds() / wall);
          m.put("attacked", o.attacked());
          m.put("broken", o.broken());
          m.put("robust_accuracy_after", o.robustAccuracyAfter());
          members.put(o.name(), m);
          lines.add(
              String.format(
                  Locale.ROOT,
                  "%-8s %-8s %9.1f s %7.0f%% %8d %9.4f",
                  "",
                  o.name(),
                  o.seconds(),
                  100 * o.seconds() / wall,
                  o.attacked(),
                  o.robustAccuracyAfter()));
        }
        v.put("members", members);
        versions.put(version.key(), v);
      }
    }
    machine.print();
    System.out.printf(
        Locale.ROOT,
        "%s on the first %d Fashion-MNIST test images, linf eps %.2f, batch %d%n",
        modelFile.getFileName(),
        points,
        Norm.LINF.defaultEps(1),
        AutoAttackVersion.REFERENCE_BATCH);
    System.out.printf(
        Locale.ROOT,
        "%-8s %-8s %11s %8s %8s %9s%n",
        "version",
        "member",
        "wall",
        "share",
        "points",
        "robust");
    lines.forEach(System.out::println);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("machine", machine.json());
    result.put("model_file", modelFile.getFileName().toString());
    result.put("points", points);
    result.put("versions", versions);
    Benchmarks.writeJson(output.dir, "bench-autoattack-full.json", result);
    return 0;
  }

  /** Seconds one run of {@code kind} took on batch {@code b}. */
  private static double run(GradientModel model, Kind kind, NDArray[] b, long seed) {
    try (NDManager scope = b[0].getManager().newSubManager()) {
      long t0 = System.nanoTime();
      NDArray xAdv = kind.attack.perturb(model, b[0], b[1], seed);
      double seconds = (System.nanoTime() - t0) / 1e9;
      xAdv.attach(scope);
      return seconds;
    }
  }

  private static void add(long[] into, CountingModel model) {
    into[0] += model.forwardRows;
    into[1] += model.gradientRows;
    into[2] += model.forwardCalls;
  }

  /**
   * An attack in the comparison; {@code iterations} per target, {@code queries}: its units are the
   * model queries counted, not batch x iterations.
   */
  private record Kind(String name, Attack attack, int iterations, boolean queries) {}

  /** Counts the rows each forward pass and input gradient is asked for (queries on live points). */
  static final class CountingModel implements GradientModel {
    private final GradientModel inner;
    long forwardRows;
    long forwardCalls;
    long gradientRows;

    CountingModel(GradientModel inner) {
      this.inner = inner;
    }

    void reset() {
      forwardRows = 0;
      forwardCalls = 0;
      gradientRows = 0;
    }

    @Override
    public NDArray logits(NDArray x, boolean training) {
      forwardRows += x.getShape().get(0);
      forwardCalls++;
      return inner.logits(x, training);
    }

    @Override
    public NDArray inputGradient(
        NDArray x, Objective objective, boolean training, boolean createGraph) {
      gradientRows += x.getShape().get(0);
      return inner.inputGradient(x, objective, training, createGraph);
    }

    @Override
    public int classes() {
      return inner.classes();
    }
  }

  /** One progress line (rate, ETA) per member of the ensemble as it runs. */
  private static final class MemberProgress implements AutoAttack.Progress, AutoCloseable {
    private final String version;
    private final Log log;
    private Progress current;
    private String member;

    MemberProgress(String version, Log log) {
      this.version = version;
      this.log = log;
    }

    @Override
    public void update(String name, int done, int total) {
      if (!name.equals(member)) {
        close();
        member = name;
        current = Progress.start(version + " " + name, total, 0, "points", log);
      }
      current.stepTo(done, "");
    }

    @Override
    public void close() {
      if (current != null) {
        current.close();
        current = null;
      }
    }
  }
}
