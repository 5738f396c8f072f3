package io.igdstream.app;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.igdstream.core.attack.Pgd;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.ModelSpec;
import io.igdstream.core.train.IgdStep;
import io.igdstream.core.train.NatStep;
import io.igdstream.core.train.Sgd;
import io.igdstream.core.train.TrainingStep;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code igd bench step}: median wall time of one IGD step (PGD-10 + teacher gradient + CE(x_adv) +
 * student gradient with create_graph + cosine term + SGD) and one plain step, small-cnn, batch 128,
 * on random data; and, when a python3 with torch is present, the same two steps in PyTorch in the
 * same run (bench/torch_step.py), with the ratio.
 */
@Command(name = "step", mixinStandardHelpOptions = true, description = "IGD step and plain step: DJL vs PyTorch.")
final class StepBenchmark implements Callable<Integer> {

  @Option(names = "--steps", defaultValue = "20", description = "Timed steps per measurement (median reported).")
  int steps;

  @Option(names = "--warmup", defaultValue = "3", description = "Untimed steps first.")
  int warmup;

  @Option(names = "--batch", defaultValue = "128", description = "Batch size.")
  int batch;

  @Option(names = "--python", description = "A python3 with torch (default: /usr/bin/python3 if it imports torch).")
  Path python;

  @Option(names = "--out", description = "Directory for bench-step.json.")
  Path out;

  @Override
  public Integer call() throws Exception {
    if (steps < 1 || warmup < 0 || batch < 1) {
      throw new BadInputException("--steps and --batch must be >= 1 and --warmup >= 0");
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
    try (Classifier student = Classifier.create(Architecture.SMALL_CNN, spec, 0);
        Classifier teacher = Classifier.create(Architecture.SMALL_CNN, spec, 1);
        Sgd sgd = new Sgd(student.trainableParameters(), Benchmarks.SGD, student.manager());
        NDManager data = student.manager().newSubManager()) {
      teacher.freeze();
      List<NDArray[]> batches = Benchmarks.randomBatches(student, data, batch, 4);
      TrainingStep igd = new IgdStep(student, teacher, new Pgd(Benchmarks.PGD_10), Benchmarks.IGD, sgd);
      TrainingStep plain = new NatStep(student, sgd);
      igdMs = medianMs("DJL IGD step", igd, batches, log);
      plainMs = medianMs("DJL plain step", plain, batches, log);
    }
    result.put("djl_igd_step_ms_median", igdMs);
    result.put("djl_plain_step_ms_median", plainMs);
    machine.print();
    System.out.printf(Locale.ROOT, "%-12s %12s %14s %10s%n", "step", "DJL ms", "PyTorch ms", "DJL/PyTorch");
    JsonNode torch = runTorch(threads, log);
    if (torch != null) {
      double tIgd = torch.get("igd_step_ms_median").asDouble();
      double tPlain = torch.get("plain_step_ms_median").asDouble();
      result.put("torch_version", torch.get("torch_version").asText());
      result.put("torch_igd_step_ms_median", tIgd);
      result.put("torch_plain_step_ms_median", tPlain);
      result.put("ratio_igd", igdMs / tIgd);
      result.put("ratio_plain", plainMs / tPlain);
      System.out.printf(Locale.ROOT, "%-12s %12.1f %14.1f %10.2f%n", "igd", igdMs, tIgd, igdMs / tIgd);
      System.out.printf(Locale.ROOT, "%-12s %12.1f %14.1f %10.2f%n", "plain", plainMs, tPlain, plainMs / tPlain);
      System.out.println("PyTorch " + torch.get("torch_version").asText() + " ran the same steps in the same run.");
    } else {
      System.out.printf(Locale.ROOT, "%-12s %12.1f %14s %10s%n", "igd", igdMs, "-", "-");
      System.out.printf(Locale.ROOT, "%-12s %12.1f %14s %10s%n", "plain", plainMs, "-", "-");
      System.out.println("(no python3 with torch found: PyTorch side skipped; apt-get install python3-torch)");
    }
    Benchmarks.writeJson(out, "bench-step.json", result);
    return 0;
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
    log.info(String.format(Locale.ROOT, "%s: median %.1f ms over %d steps (min %.1f, max %.1f)", name, median, steps,
        Arrays.stream(ms).min().orElseThrow(), Arrays.stream(ms).max().orElseThrow()));
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
    ProcessBuilder pb = new ProcessBuilder(py.toString(), script.toString(), "--steps", Integer.toString(steps),
        "--warmup", Integer.toString(warmup), "--batch", Integer.toString(batch), "--threads", Integer.toString(threads),
        "--json", json.toString());
    pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
    // The script logs to stderr (shown) and prints its JSON to stdout (also in --json): keep our table clean.
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      log.info("PyTorch benchmark failed; PyTorch side skipped");
      return null;
    }
    return Json.MAPPER.readTree(json.toFile());
  }
}
