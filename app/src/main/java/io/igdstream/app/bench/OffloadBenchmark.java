package io.igdstream.app.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.igdstream.app.cli.BadInputException;
import io.igdstream.app.cli.OutputDirectory;
import io.igdstream.app.console.Log;
import io.igdstream.core.attack.Pgd;
import io.igdstream.core.attack.PgdSettings;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.ModelSpec;
import io.igdstream.core.train.IgdLoss;
import io.igdstream.core.train.IgdStep;
import io.igdstream.core.train.Sgd;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code igd bench offload}: what moving the attack out of the trainer buys. Steps per second of
 * the trainer's step on a shipped x_adv and teacher gradient ({@link IgdStep#trainOn}, what the
 * Kafka-fed trainer runs) against the fused IGD step with PGD-10 and the teacher gradient inside
 * ({@link IgdStep#step}, {@code igd train-local}); small-cnn, same batches, same thread and thread
 * count. Goal: trainOn at least 3.5x the fused step's rate.
 */
@Command(
    name = "offload",
    mixinStandardHelpOptions = true,
    header = "Trainer step on shipped x_adv vs the fused IGD step.",
    description =
        "Trainer step on shipped x_adv + teacher gradient vs the fused IGD step with PGD-10 inside.")
final class OffloadBenchmark implements Callable<Integer> {

  static final double GOAL = 3.5;

  @Option(
      names = "--steps",
      defaultValue = "20",
      description = "Timed steps of each kind (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--warmup",
      defaultValue = "3",
      description = "Untimed steps of each kind first (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--rounds",
      defaultValue = "4",
      description =
          "The timed steps alternate between the two kinds in this many rounds, so a load change hits both (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(
      names = "--batch",
      defaultValue = "128",
      description = "Batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--model",
      defaultValue = "small-cnn",
      description =
          "small-cnn (1x28x28, eps 0.1) or preact-resnet18 (3x32x32, eps 8/255) (default: ${DEFAULT-VALUE}).")
  String model;

  @Mixin BenchOutputOption output;

  @Override
  public Integer call() {
    if (steps < 1 || batch < 1 || warmup < 0 || rounds < 1 || rounds > steps) {
      throw new BadInputException(
          "--steps and --batch must be >= 1, --warmup >= 0, --rounds in 1..steps");
    }
    if (output.dir != null) {
      OutputDirectory.prepare(output.dir);
    }
    Architecture architecture = Architecture.of(model);
    boolean rgb = architecture != Architecture.SMALL_CNN;
    ModelSpec spec = rgb ? new ModelSpec(3, 32, 32, 10) : Benchmarks.SPEC;
    PgdSettings pgdSettings = rgb ? PgdSettings.defaults(3, 10) : Benchmarks.PGD_10;
    Log log = Log.stderr();
    Benchmarks.Machine machine = Benchmarks.Machine.current();
    double[] fusedMs = new double[steps];
    double[] trainOnMs = new double[steps];
    try (Classifier student = Classifier.create(architecture, spec, 0);
        Classifier teacher = Classifier.create(architecture, spec, 1);
        Sgd sgd = new Sgd(student.trainableParameters(), Benchmarks.SGD, student.manager());
        NDManager data = student.manager().newSubManager()) {
      teacher.freeze();
      Pgd pgd = new Pgd(pgdSettings);
      IgdStep igd = new IgdStep(student, teacher, pgd, Benchmarks.IGD, sgd);
      // What augment would ship for each batch, made once up front: {x, labels, x_adv, g_T}.
      List<NDArray[]> batches = new ArrayList<>();
      long seed = 0;
      for (NDArray[] b : Benchmarks.randomBatches(student, data, batch, 4)) {
        NDArray xAdv = pgd.perturb(student, b[0], b[1], seed++);
        NDArray gT = IgdLoss.teacherGradient(teacher, b[0], b[1], Benchmarks.IGD.gradientTarget());
        batches.add(new NDArray[] {b[0], b[1], xAdv, gT});
      }
      // Step i uses batch i mod 4 (and seed i): both kinds see the same batches in the same order.
      IntConsumer fused =
          i -> {
            NDArray[] b = batches.get(i % batches.size());
            igd.step(b[0], b[1], i, 0.01);
          };
      IntConsumer trainOn =
          i -> {
            NDArray[] b = batches.get(i % batches.size());
            igd.trainOn(b[0], b[2], b[1], b[3], 0.01);
          };
      for (int i = 0; i < warmup; i++) {
        fused.accept(i);
        trainOn.accept(i);
      }
      int done = 0;
      for (int r = 0; r < rounds; r++) {
        int end = (int) ((long) steps * (r + 1) / rounds);
        time(fused, done, end, fusedMs);
        time(trainOn, done, end, trainOnMs);
        done = end;
        log.info(
            String.format(
                Locale.ROOT,
                "offload: round %d/%d, %d steps of each kind timed",
                r + 1,
                rounds,
                done));
      }
    }
    double fusedRate = steps / (sum(fusedMs) / 1e3);
    double trainOnRate = steps / (sum(trainOnMs) / 1e3);
    double ratio = trainOnRate / fusedRate;

    machine.print();
    System.out.printf(
        Locale.ROOT,
        "%s, batch %d, %d timed steps of each kind (after %d warm-up), alternating in %d rounds%n",
        architecture.id(),
        batch,
        steps,
        warmup,
        rounds);
    System.out.printf(Locale.ROOT, "%-48s %9s %14s%n", "step", "steps/s", "median ms");
    System.out.printf(
        Locale.ROOT,
        "%-48s %9.2f %14.1f%n",
        "fused IGD step (PGD-10 + teacher gradient inside)",
        fusedRate,
        Benchmarks.median(fusedMs));
    System.out.printf(
        Locale.ROOT,
        "%-48s %9.2f %14.1f%n",
        "trainOn (shipped x_adv + teacher gradient)",
        trainOnRate,
        Benchmarks.median(trainOnMs));
    System.out.printf(
        Locale.ROOT,
        "ratio trainOn/fused: %.2fx (goal >= %.1fx: %s)%n",
        ratio,
        GOAL,
        ratio >= GOAL ? "met" : "MISSED");

    Map<String, Object> result = new LinkedHashMap<>();
    result.put("machine", machine.json());
    result.put("model", architecture.id());
    result.put("batch", batch);
    result.put("steps", steps);
    result.put("warmup", warmup);
    result.put("rounds", rounds);
    result.put("fused_steps_per_s", fusedRate);
    result.put("fused_ms_median", Benchmarks.median(fusedMs));
    result.put("train_on_steps_per_s", trainOnRate);
    result.put("train_on_ms_median", Benchmarks.median(trainOnMs));
    result.put("ratio_train_on_to_fused", ratio);
    result.put("goal", GOAL);
    Benchmarks.writeJson(
        output.dir,
        rgb ? "bench-offload-" + architecture.id() + ".json" : "bench-offload.json",
        result);
    return 0;
  }

  private static void time(IntConsumer kind, int from, int to, double[] ms) {
    for (int i = from; i < to; i++) {
      long t0 = System.nanoTime();
      kind.accept(i);
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
  }

  private static double sum(double[] values) {
    double s = 0;
    for (double v : values) {
      s += v;
    }
    return s;
  }
}
