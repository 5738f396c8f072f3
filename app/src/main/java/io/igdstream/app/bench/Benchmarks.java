package io.igdstream.app.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.igdstream.app.cli.OutputDirectory;
import io.igdstream.app.report.Json;
import io.igdstream.core.attack.PgdSettings;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.ModelSpec;
import io.igdstream.core.train.GradientTarget;
import io.igdstream.core.train.IgdSettings;
import io.igdstream.core.train.SgdSettings;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * What the {@code igd bench} subcommands share: the machine line every table starts with, the
 * small-cnn setup of {@code bench step} (so every DJL benchmark measures the same step), random
 * data and the JSON file.
 */
final class Benchmarks {

  /** Fashion-MNIST-shaped inputs: 1x28x28, 10 classes. */
  static final ModelSpec SPEC = new ModelSpec(1, 28, 28, 10);

  /** PGD-10 at the 1-channel defaults (eps 0.1, step 0.01, random start), as in training. */
  static final PgdSettings PGD_10 = new PgdSettings(0.1, 0.01, 10, true);

  static final IgdSettings IGD = new IgdSettings(1.0, GradientTarget.LOGIT, true);

  static final SgdSettings SGD = new SgdSettings(0.01, 0.9, 5e-4);

  private Benchmarks() {}

  /**
   * The machine a figure was measured on, with the 1-minute load average at the start (another
   * process on these 2 cores distorts timings 3-5x, docs/STACK.md).
   */
  record Machine(int cores, int threads, String java, String libtorch, double loadAverage) {

    /** This JVM; loads the DJL engine. */
    static Machine current() {
      int cores = Runtime.getRuntime().availableProcessors();
      return new Machine(
          cores,
          Integer.getInteger("ai.djl.pytorch.num_threads", cores),
          System.getProperty("java.version"),
          Engine.getEngine("PyTorch").getVersion(),
          ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    void print() {
      System.out.printf(
          Locale.ROOT,
          "machine: %d cores, %d threads, Java %s, libtorch %s (DJL); load average %.2f at start%n",
          cores,
          threads,
          java,
          libtorch,
          loadAverage);
    }

    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("cores", cores);
      m.put("threads", threads);
      m.put("java", java);
      m.put("libtorch", libtorch);
      m.put("load_average_1min", loadAverage);
      return m;
    }
  }

  /** Uniform pixels in [0, 1). */
  static float[] randomPixels(Random random, int count) {
    float[] pixels = new float[count];
    for (int i = 0; i < count; i++) {
      pixels[i] = random.nextFloat();
    }
    return pixels;
  }

  /** {@code count} batches of random images and labels, {x, labels}, owned by {@code manager}. */
  static List<NDArray[]> randomBatches(Classifier model, NDManager manager, int batch, int count) {
    Random random = new Random(42);
    List<NDArray[]> batches = new ArrayList<>();
    for (int b = 0; b < count; b++) {
      float[] pixels = randomPixels(random, batch * model.spec().imageSize());
      long[] labels = new long[batch];
      for (int i = 0; i < batch; i++) {
        labels[i] = random.nextInt(model.classes());
      }
      batches.add(new NDArray[] {model.images(manager, pixels, batch), manager.create(labels)});
    }
    return batches;
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  /** Writes {@code result} to {@code out/file} when --out was given. */
  static void writeJson(Path out, String file, Map<String, Object> result) {
    if (out != null) {
      OutputDirectory.prepare(out);
      Json.writeFile(out.resolve(file), result);
    }
  }
}
