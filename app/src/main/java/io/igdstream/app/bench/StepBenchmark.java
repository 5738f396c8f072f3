package io.igdstream.app.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.igdstream.app.cli.BadInputException;
import io.igdstream.app.console.Log;
import io.igdstream.app.report.Json;
import io.igdstream.core.attack.Pgd;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.ModelSpec;
import io.igdstream.core.train.IgdLoss;
import io.igdstream.core.train.IgdStep;
import io.igdstream.core.train.NatStep;
import io.igdstream.core.train.Sgd;
import io.igdstream.core.train.TrainingStep;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code igd bench step}: median wall time of one IGD step (PGD-10 + teacher gradient + CE(x_adv) +
 * student gradient with create_graph + cosine term + SGD) and one plain step, small-cnn, batch 128,
 * on random data; and, when a python3 with torch is present, the same two steps in PyTorch in the
 * same run (bench/torch_step.py), with the ratio. Also the steps' achieved GFLOP/s (FLOPs counted
 * analytically, {@link StepFlops}) as a fraction of a large float32 matmul's GFLOP/s through the
 * same libtorch and threads, and the IGD step's phases (PGD, teacher gradient, student phase) timed
 * apart, so their share of the time can be set against their share of the FLOPs.
 */
@Command(
    name = "step",
    mixinStandardHelpOptions = true,
    header = "IGD step and plain step: DJL vs PyTorch.",
    description = "IGD step and plain step: DJL vs PyTorch.")
final class StepBenchmark implements Callable<Integer> {

  @Option(
      names = "--steps",
      defaultValue = "20",
      description = "Timed steps per measurement (median reported).")
  int steps;

  @Option(names = "--warmup", defaultValue = "3", description = "Untimed steps first.")
  int warmup;

  @Option(names = "--batch", defaultValue = "128", description = "Batch size.")
  int batch;

  @Option(
      names = "--matmul-size",
      defaultValue = "2048",
      description =
          "n of the n x n float32 matmul whose GFLOP/s is the peak (default: ${DEFAULT-VALUE}).")
  int matmulSize;

  @Option(
      names = "--python",
      description = "A python3 with torch (default: /usr/bin/python3 if it imports torch).")
  Path python;

  @Mixin BenchOutputOption output;

  @Override
  public Integer call() throws Exception {
    if (steps < 1 || warmup < 0 || batch < 1) {
      throw new BadInputException("--steps and --batch must be >= 1 and --warmup >= 0");
    }
    if (matmulSize < 64) {
      throw new BadInputException("--matmul-size must be >= 64, was " + matmulSize);
    }
    Log log = Log.stderr();
    Benchmarks.Machine machine = Benchmarks.Machine.current();
    int threads = machine.threads();
    ModelSpec spec = Benchmarks.SPEC;
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("machine", machine.json());
    result.put("batch", batch);
    result.put("steps", steps);
    double igdMs;
    double plainMs;
    double[] phaseMs;
    double matmulGflops;
    try (Classifier student = Classifier.create(Architecture.SMALL_CNN, spec, 0);
        Classifier teacher = Classifier.create(Architecture.SMALL_CNN, spec, 1);
        Sgd sgd = new Sgd(student.trainableParameters(), Benchmarks.SGD, student.manager());
        NDManager data = student.manager().newSubManager()) {
      teacher.freeze();
      List<NDArray[]> batches = Benchmarks.randomBatches(student, data, batch, 4);
      Pgd pgd = new Pgd(Benchmarks.PGD_10);
      IgdStep igd = new IgdStep(student, teacher, pgd, Benchmarks.IGD, sgd);
      TrainingStep plain = new NatStep(student, sgd);
      igdMs = medianMs("DJL IGD step", igd, batches, log);
      plainMs = medianMs("DJL plain step", plain, batches, log);
      phaseMs = phaseMedians(student, teacher, pgd, igd, batches, log);
      matmulGflops = matmulGflops(data, log);
    }
    result.put("djl_igd_step_ms_median", igdMs);
    result.put("djl_plain_step_ms_median", plainMs);
    machine.print();
    System.out.printf(
        Locale.ROOT, "%-12s %12s %14s %10s%n", "step", "DJL ms", "PyTorch ms", "DJL/PyTorch");
    JsonNode torch = runTorch(threads, log);
    if (torch != null) {
      double tIgd = torch.get("igd_step_ms_median").asDouble();
      double tPlain = torch.get("plain_step_ms_median").asDouble();
      result.put("torch_version", torch.get("torch_version").asText());
      result.put("torch_igd_step_ms_median", tIgd);
      result.put("torch_plain_step_ms_median", tPlain);
      result.put("ratio_igd", igdMs / tIgd);
      result.put("ratio_plain", plainMs / tPlain);
      System.out.printf(
          Locale.ROOT, "%-12s %12.1f %14.1f %10.2f%n", "igd", igdMs, tIgd, igdMs / tIgd);
      System.out.printf(
          Locale.ROOT, "%-12s %12.1f %14.1f %10.2f%n", "plain", plainMs, tPlain, plainMs / tPlain);
      System.out.println(
          "PyTorch "
              + torch.get("torch_version").asText()
              + " ran the same steps in the same run.");
    } else {
      System.out.printf(Locale.ROOT, "%-12s %12.1f %14s %10s%n", "igd", igdMs, "-", "-");
      System.out.printf(Locale.ROOT, "%-12s %12.1f %14s %10s%n", "plain", plainMs, "-", "-");
      System.out.println(
          "(no python3 with torch found: PyTorch side skipped; apt-get install python3-torch)");
    }
    result.put("flops", printFlops(igdMs, plainMs, phaseMs, matmulGflops, threads));
    Benchmarks.writeJson(output.dir, "bench-step.json", result);
    return 0;
  }

  static final double FLOPS_GOAL = 0.6;

  /**
   * Prints the FLOP counts, the steps' GFLOP/s against the matmul's and the IGD phases; returns
   * them for the JSON.
   */
  private Map<String, Object> printFlops(
      double igdMs, double plainMs, double[] phaseMs, double matmulGflops, int threads) {
    List<StepFlops.Layer> layers = StepFlops.smallCnn(Benchmarks.SPEC);
    List<StepFlops.Part> igdParts = StepFlops.igdStep(layers, batch, Benchmarks.PGD_10.steps());
    List<StepFlops.Part> plainParts = StepFlops.plainStep(layers, batch);
    long igdFlops = StepFlops.total(igdParts);
    long plainFlops = StepFlops.total(plainParts);
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "FLOPs per step, batch %d (2*MACs of convolutions and matmuls; F = forward = %.3f GFLOP, "
            + "first layer F1 = %.3f):%n",
        batch,
        StepFlops.forward(layers, batch) / 1e9,
        StepFlops.firstLayer(layers, batch) / 1e9);
    System.out.printf(Locale.ROOT, "%-40s %9s  %s%n", "part", "GFLOP", "rule");
    Map<String, Object> parts = new LinkedHashMap<>();
    for (StepFlops.Part p : igdParts) {
      System.out.printf(
          Locale.ROOT, "%-40s %9.3f  %s%n", "igd: " + p.name(), p.flops() / 1e9, p.rule());
      parts.put("igd: " + p.name(), p.flops());
    }
    for (StepFlops.Part p : plainParts) {
      System.out.printf(
          Locale.ROOT, "%-40s %9.3f  %s%n", "plain: " + p.name(), p.flops() / 1e9, p.rule());
      parts.put("plain: " + p.name(), p.flops());
    }
    double igdGflops = igdFlops / igdMs / 1e6;
    double plainGflops = plainFlops / plainMs / 1e6;
    System.out.printf(
        Locale.ROOT,
        "matmul %dx%d float32 (NDArray.matMul, %d threads): %.1f GFLOP/s (median)%n",
        matmulSize,
        matmulSize,
        threads,
        matmulGflops);
    System.out.printf(
        Locale.ROOT,
        "IGD step: %.1f GFLOP/s = %.2f of the matmul peak (goal >= %.1f: %s)%n",
        igdGflops,
        igdGflops / matmulGflops,
        FLOPS_GOAL,
        igdGflops / matmulGflops >= FLOPS_GOAL ? "met" : "MISSED");
    System.out.printf(
        Locale.ROOT,
        "plain step: %.1f GFLOP/s = %.2f of the matmul peak (goal >= %.1f: %s)%n",
        plainGflops,
        plainGflops / matmulGflops,
        FLOPS_GOAL,
        plainGflops / matmulGflops >= FLOPS_GOAL ? "met" : "MISSED");

    // Where the IGD step's time goes: its phases timed apart, against their FLOPs.
    long[] phaseFlops = {
      igdParts.get(0).flops(),
      igdParts.get(1).flops(),
      StepFlops.total(igdParts.subList(2, igdParts.size()))
    };
    String[] phaseNames = {
      igdParts.get(0).name(), "teacher gradient", "student phase (trainOn, incl. SGD)"
    };
    double phaseTotal = Arrays.stream(phaseMs).sum();
    System.out.printf(
        Locale.ROOT,
        "IGD phases timed apart (median ms, sum %.1f vs whole step %.1f):%n",
        phaseTotal,
        igdMs);
    System.out.printf(
        Locale.ROOT,
        "%-36s %9s %11s %9s %11s %9s %8s%n",
        "phase",
        "GFLOP",
        "FLOP share",
        "ms",
        "time share",
        "GFLOP/s",
        "of peak");
    List<Map<String, Object>> phases = new ArrayList<>();
    for (int i = 0; i < phaseMs.length; i++) {
      double gflops = phaseFlops[i] / phaseMs[i] / 1e6;
      System.out.printf(
          Locale.ROOT,
          "%-36s %9.3f %11.2f %9.1f %11.2f %9.1f %8.2f%n",
          phaseNames[i],
          phaseFlops[i] / 1e9,
          (double) phaseFlops[i] / igdFlops,
          phaseMs[i],
          phaseMs[i] / phaseTotal,
          gflops,
          gflops / matmulGflops);
      Map<String, Object> phase = new LinkedHashMap<>();
      phase.put("phase", phaseNames[i]);
      phase.put("flops", phaseFlops[i]);
      phase.put("flop_share", (double) phaseFlops[i] / igdFlops);
      phase.put("ms_median", phaseMs[i]);
      phase.put("time_share", phaseMs[i] / phaseTotal);
      phase.put("gflops", gflops);
      phase.put("fraction_of_matmul", gflops / matmulGflops);
      phases.add(phase);
    }

    Map<String, Object> flops = new LinkedHashMap<>();
    flops.put("rule", StepFlops.RULE);
    flops.put("forward_flops", StepFlops.forward(layers, batch));
    flops.put("first_layer_flops", StepFlops.firstLayer(layers, batch));
    flops.put("parts", parts);
    flops.put("igd_step_flops", igdFlops);
    flops.put("plain_step_flops", plainFlops);
    flops.put("matmul_size", matmulSize);
    flops.put("matmul_gflops_median", matmulGflops);
    flops.put("igd_gflops", igdGflops);
    flops.put("igd_fraction_of_matmul", igdGflops / matmulGflops);
    flops.put("plain_gflops", plainGflops);
    flops.put("plain_fraction_of_matmul", plainGflops / matmulGflops);
    flops.put("goal_fraction_of_matmul", FLOPS_GOAL);
    flops.put("igd_phases", phases);
    return flops;
  }

  /**
   * Median ms of the IGD step's three phases run one after the other, as {@link IgdStep#step} runs
   * them: the attack, the teacher gradient, and {@link IgdStep#trainOn} (CE, create_graph gradient,
   * backward, SGD).
   */
  private double[] phaseMedians(
      Classifier student,
      Classifier teacher,
      Pgd pgd,
      IgdStep igd,
      List<NDArray[]> batches,
      Log log) {
    double[][] ms = new double[3][steps];
    for (int i = 0; i < warmup + steps; i++) {
      NDArray[] b = batches.get(i % batches.size());
      try (NDManager scope = b[0].getManager().newSubManager()) {
        NDArray x =
            b[0].duplicate(); // in this iteration's scope: x_adv and g_T join it (first operand's
        // manager)
        x.attach(scope);
        long t0 = System.nanoTime();
        NDArray xAdv = pgd.perturb(student, x, b[1], i);
        long t1 = System.nanoTime();
        NDArray teacherGradient =
            IgdLoss.teacherGradient(teacher, x, b[1], Benchmarks.IGD.gradientTarget());
        long t2 = System.nanoTime();
        igd.trainOn(x, xAdv, b[1], teacherGradient, 0.01);
        long t3 = System.nanoTime();
        if (i >= warmup) {
          ms[0][i - warmup] = (t1 - t0) / 1e6;
          ms[1][i - warmup] = (t2 - t1) / 1e6;
          ms[2][i - warmup] = (t3 - t2) / 1e6;
        }
      }
    }
    double[] medians = {
      Benchmarks.median(ms[0]), Benchmarks.median(ms[1]), Benchmarks.median(ms[2])
    };
    log.info(
        String.format(
            Locale.ROOT,
            "DJL IGD phases: PGD %.1f ms, teacher gradient %.1f ms, student phase %.1f ms (medians)",
            medians[0],
            medians[1],
            medians[2]));
    return medians;
  }

  /**
   * GFLOP/s of an n x n float32 matmul (2n^3 FLOPs), median of several after warm-up, on this
   * thread's libtorch.
   */
  private double matmulGflops(NDManager parent, Log log) {
    int runs = 7;
    double[] gflops = new double[runs];
    try (NDManager m = parent.newSubManager()) {
      Shape shape = new Shape(matmulSize, matmulSize);
      NDArray a = m.randomUniform(-1, 1, shape);
      NDArray b = m.randomUniform(-1, 1, shape);
      double flops = 2.0 * matmulSize * matmulSize * matmulSize;
      for (int i = -2; i < runs; i++) {
        long t0 = System.nanoTime();
        NDArray c = a.matMul(b);
        long t1 = System.nanoTime();
        c.close();
        if (i >= 0) {
          gflops[i] = flops / (t1 - t0);
        }
      }
    }
    double median = Benchmarks.median(gflops);
    log.info(
        String.format(
            Locale.ROOT,
            "matmul %dx%d float32: median %.1f GFLOP/s over %d runs (min %.1f, max %.1f)",
            matmulSize,
            matmulSize,
            median,
            runs,
            Arrays.stream(gflops).min().orElseThrow(),
            Arrays.stream(gflops).max().orElseThrow()));
    return median;
  }

  private double medianMs(String name, TrainingStep step, List<NDArray[]> batches, Log log) {
    double[] ms = new double[steps];
    for (int i = 0; i < warmup + steps; i++) {
      NDArray[] b = batches.get(i % batches.size());
      long t0 = System.nanoTime();
      step.step(b[0], b[1], i, 0.01);
      if (i >= warmup) {
        ms[i - warmup] = (System.nanoTime() - t0) / 1e6;
      }
    }
    double median = Benchmarks.median(ms);
    log.info(
        String.format(
            Locale.ROOT,
            "%s: median %.1f ms over %d steps (min %.1f, max %.1f)",
            name,
            median,
            steps,
            Arrays.stream(ms).min().orElseThrow(),
            Arrays.stream(ms).max().orElseThrow()));
    return median;
  }

  private JsonNode runTorch(int threads, Log log) throws IOException, InterruptedException {
    Path py = python != null ? python : PythonTorch.find();
    if (py == null) {
      return null;
    }
    Path dir = Files.createTempDirectory("igd-bench");
    Path script = dir.resolve("torch_step.py");
    try (InputStream in = StepBenchmark.class.getResourceAsStream("bench/torch_step.py")) {
      Files.copy(in, script);
    }
    Path json = dir.resolve("torch.json");
    log.info("running the same steps in PyTorch (" + py + ")");
    ProcessBuilder pb =
        new ProcessBuilder(
            py.toString(),
            script.toString(),
            "--steps",
            Integer.toString(steps),
            "--warmup",
            Integer.toString(warmup),
            "--batch",
            Integer.toString(batch),
            "--threads",
            Integer.toString(threads),
            "--json",
            json.toString());
    pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
    // The script logs to stderr (shown) and prints its JSON to stdout (also in --json): keep our
    // table clean.
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      log.info("PyTorch benchmark failed; PyTorch side skipped");
      return null;
    }
    return Json.MAPPER.readTree(json.toFile());
  }
}
