package io.igdstream.app;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.igdstream.core.attack.Pgd;
import io.igdstream.core.attack.PgdSettings;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.ModelSpec;
import io.igdstream.core.train.GradientTarget;
import io.igdstream.core.train.IgdSettings;
import io.igdstream.core.train.IgdStep;
import io.igdstream.core.train.NatStep;
import io.igdstream.core.train.Sgd;
import io.igdstream.core.train.SgdSettings;
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
import java.util.Random;
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
    int threads = Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors());
    String libtorch = Engine.getEngine("PyTorch").getVersion();
    ModelSpec spec = new ModelSpec(1, 28, 28, 10);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("machine", Map.of(
        "cores", Runtime.getRuntime().availableProcessors(), "threads", threads,
        "java", System.getProperty("java.version"), "libtorch", libtorch));
    result.put("batch", batch);
    result.put("steps", steps);
    double igdMs;
    double plainMs;
    try (Classifier student = Classifier.create(Architecture.SMALL_CNN, spec, 0);
        Classifier teacher = Classifier.create(Architecture.SMALL_CNN, spec, 1);
        Sgd sgd = new Sgd(student.trainableParameters(), new SgdSettings(0.01, 0.9, 5e-4), student.manager());
        NDManager data = student.manager().newSubManager()) {
      teacher.freeze();
      List<NDArray[]> batches = randomBatches(student, data, 4);
      TrainingStep igd = new IgdStep(student, teacher, new Pgd(new PgdSettings(0.1, 0.01, 10, true)),
          new IgdSettings(1.0, GradientTarget.LOGIT, true), sgd);
      TrainingStep plain = new NatStep(student, sgd);
      igdMs = medianMs("DJL IGD step", igd, batches, log);
      plainMs = medianMs("DJL plain step", plain, batches, log);
    }
    result.put("djl_igd_step_ms_median", igdMs);
    result.put("djl_plain_step_ms_median", plainMs);
    System.out.printf(Locale.ROOT, "machine: %d cores, %d threads, Java %s, libtorch %s (DJL)%n",
        Runtime.getRuntime().availableProcessors(), threads, System.getProperty("java.version"), libtorch);
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
    if (out != null) {
      OutputDirectory.prepare(out);
      Json.writeFile(out.resolve("bench-step.json"), result);
    }
    return 0;
  }

  private List<NDArray[]> randomBatches(Classifier model, NDManager manager, int count) {
    Random random = new Random(42);
    List<NDArray[]> batches = new ArrayList<>();
    for (int b = 0; b < count; b++) {
      float[] pixels = new float[batch * model.spec().imageSize()];
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = random.nextFloat();
      }
      long[] labels = new long[batch];
      for (int i = 0; i < batch; i++) {
        labels[i] = random.nextInt(model.classes());
      }
      batches.add(new NDArray[] {model.images(manager, pixels, batch), manager.create(labels)});
    }
    return batches;
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
    Arrays.sort(ms);
    double median = steps % 2 == 1 ? ms[steps / 2] : (ms[steps / 2 - 1] + ms[steps / 2]) / 2;
    log.info(String.format(Locale.ROOT, "%s: median %.1f ms over %d steps (min %.1f, max %.1f)", name, median, steps, ms[0], ms[steps - 1]));
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
