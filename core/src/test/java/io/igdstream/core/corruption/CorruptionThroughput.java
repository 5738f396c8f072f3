package io.igdstream.core.corruption;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Single-thread throughput of every corruption (images per second, severities 1..5 in turn, CIFAR
 * constants) at 28×28×1 and 32×32×3 on uniform random 8-bit pixels (the worst case for shot
 * noise), and at 28×28×1 on an MNIST-like image (80 % zeros). A measurement tool, not a test:
 * run {@code java -cp target/classes:target/test-classes
 * io.igdstream.core.corruption.CorruptionThroughput [seconds]}.
 */
public final class CorruptionThroughput {

  private CorruptionThroughput() {}

  public static void main(String[] args) {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 0.5;
    int[][] shapes = {{1, 28, 28}, {3, 32, 32}};
    System.out.printf(
        Locale.ROOT,
        "%-18s %14s %14s %16s%n",
        "corruption",
        "28x28x1 img/s",
        "32x32x3 img/s",
        "28x28x1 sparse");
    for (Corruption c : Corruptions.all(ConstantSet.CIFAR)) {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-18s", c.name()));
      for (int[] shape : shapes) {
        line.append(String.format(Locale.ROOT, " %14.0f", rate(c, shape, seconds, 0)));
      }
      line.append(String.format(Locale.ROOT, " %16.0f", rate(c, shapes[0], seconds, 0.8)));
      System.out.println(line);
    }
  }

  static double rate(Corruption c, int[] shape, double seconds, double zeros) {
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
    run(c, shape, src, dst, random, (long) (seconds * 0.5e9)); // warm-up
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
        int severity = (int) (images % 5) + 1;
        c.apply(src, i * size, dst, i * size, shape[0], shape[1], shape[2], severity, random);
        images++;
      }
    }
    return images;
  }
}
