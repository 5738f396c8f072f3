package io.igdstream.app.bench;

import io.igdstream.app.cli.BadInputException;
import io.igdstream.app.cli.OutputDirectory;
import io.igdstream.app.report.Json;
import io.igdstream.core.corruption.ConstantSet;
import io.igdstream.core.corruption.Corruption;
import io.igdstream.core.corruption.Corruptions;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code igd bench corruptions}: single-thread images per second of every corruption (severities
 * 1–5 in turn, CIFAR-10-C constants) at 28×28×1 and 32×32×3 on random 8-bit pixels (the worst case
 * for shot noise), and at 28×28×1 with 80 % zero pixels (Fashion-MNIST-like). Goals: noise family ≥
 * 50,000 and every corruption ≥ 5,000 img/s/core at 28×28.
 */
@Command(
    name = "corruptions",
    mixinStandardHelpOptions = true,
    header = "Images per second per core of each corruption.",
    description = "Images per second per core of each corruption.")
final class CorruptionBenchmark implements Callable<Integer> {

  @Option(
      names = "--seconds",
      defaultValue = "1.0",
      description = "Measured time per corruption and shape.")
  double seconds;

  @Mixin BenchOutputOption output;

  @Override
  public Integer call() {
    if (!(seconds > 0)) {
      throw new BadInputException("--seconds must be > 0, was " + seconds);
    }
    int[][] shapes = {{1, 28, 28}, {3, 32, 32}};
    System.out.printf(
        Locale.ROOT,
        "machine: %d cores, Java %s; one thread%n",
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"));
    System.out.printf(
        Locale.ROOT,
        "%-18s %14s %14s %16s %8s%n",
        "corruption",
        "28x28x1 img/s",
        "32x32x3 img/s",
        "28x28x1 sparse",
        "goal");
    Map<String, Object> results = new LinkedHashMap<>();
    for (Corruption c : Corruptions.all(ConstantSet.CIFAR)) {
      double grey = rate(c, shapes[0], 0);
      double rgb = rate(c, shapes[1], 0);
      double sparse = rate(c, shapes[0], 0.8);
      double goal = Corruptions.noiseFamily().contains(c.name()) ? 50_000 : 5_000;
      System.out.printf(
          Locale.ROOT,
          "%-18s %14.0f %14.0f %16.0f %8s%n",
          c.name(),
          grey,
          rgb,
          sparse,
          grey >= goal ? "met" : "MISSED");
      results.put(
          c.name(),
          Map.of(
              "img_per_s_28x28x1",
              grey,
              "img_per_s_32x32x3",
              rgb,
              "img_per_s_28x28x1_sparse",
              sparse,
              "goal_28x28x1",
              goal));
    }
    if (output.dir != null) {
      OutputDirectory.prepare(output.dir);
      Json.writeFile(output.dir.resolve("bench-corruptions.json"), results);
    }
    return 0;
  }

  private double rate(Corruption c, int[] shape, double zeros) {
    int size = shape[0] * shape[1] * shape[2];
    int batch = 64;
    float[] src = new float[size * batch];
    SplittableRandom init = new SplittableRandom(1);
    for (int i = 0; i < src.length; i++) {
      double u = init.nextDouble();
      src[i] = u < zeros ? 0f : Math.round(init.nextDouble() * 255) / 255f; // 8-bit levels
    }
    float[] dst = new float[src.length];
    SplittableRandom random = new SplittableRandom(2);
    run(c, shape, src, dst, random, (long) (seconds * 0.3e9)); // warm-up
    long start = System.nanoTime();
    long images = run(c, shape, src, dst, random, (long) (seconds * 1e9));
    return images / ((System.nanoTime() - start) / 1e9);
  }

  private static long run(
      Corruption c, int[] shape, float[] src, float[] dst, SplittableRandom random, long nanos) {
    int size = shape[0] * shape[1] * shape[2];
    int batch = src.length / size;
    long end = System.nanoTime() + nanos;
    long images = 0;
    while (System.nanoTime() < end) {
      for (int i = 0; i < batch; i++) {
        c.apply(
            src,
            i * size,
            dst,
            i * size,
            shape[0],
            shape[1],
            shape[2],
            (int) (images % 5) + 1,
            random);
        images++;
      }
    }
    return images;
  }
}
