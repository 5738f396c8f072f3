package io.igdstream.app.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.igdstream.app.cli.BadInputException;
import io.igdstream.app.cli.OutputDirectory;
import io.igdstream.app.console.Log;
import io.igdstream.app.console.Progress;
import io.igdstream.app.report.Plots;
import io.igdstream.core.attack.Pgd;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.NativeMemory;
import io.igdstream.core.train.IgdStep;
import io.igdstream.core.train.Sgd;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
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
 * {@code igd bench soak}: resident memory over many real IGD steps (PGD-10 + teacher gradient +
 * CE(x_adv) + student gradient with create_graph + cosine + SGD, {@link IgdStep}), small-cnn on
 * random Fashion-MNIST-sized batches. The double backprop leaks 30–80 MB per step unless every
 * {@code .grad} it writes is detached (docs/STACK.md); {@code IgdMemoryTest} checks 200 steps, this
 * runs thousands. VmRSS is read from /proc/self/status every --sample-every steps; goal: growth
 * from the end of the warm-up to the end < 2 %. With the heap pinned (-Xms = -Xmx) RSS changes are
 * native memory, apart from heap pages the GC touches for the first time (no -XX:+AlwaysPreTouch):
 * those are read from the heap's mapping in /proc/self/smaps and shown apart.
 */
@Command(
    name = "soak",
    mixinStandardHelpOptions = true,
    header = "Resident memory over many IGD steps (leak check).",
    description =
        "Resident memory over many IGD steps (double-backprop leak check): growth after warm-up, goal < 2%.")
final class SoakBenchmark implements Callable<Integer> {

  static final double GOAL_GROWTH = 0.02;

  @Option(
      names = "--steps",
      defaultValue = "5000",
      description = "IGD steps (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--warmup-steps",
      defaultValue = "500",
      description = "Steps before the reference RSS is taken (default: ${DEFAULT-VALUE}).")
  int warmupSteps;

  @Option(
      names = "--sample-every",
      defaultValue = "100",
      description = "Steps between two RSS readings (default: ${DEFAULT-VALUE}).")
  int sampleEvery;

  @Option(
      names = "--batch",
      defaultValue = "64",
      description = "Batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--no-trim",
      description =
          "Do not return glibc's free memory to the OS every "
              + NativeMemory.TRIM_EVERY
              + " steps as the trainers do (shows the creep that trimming prevents).")
  boolean noTrim;

  @Mixin BenchOutputOption output;

  /**
   * One reading: RSS; the Java heap's resident pages when the heap mapping is found (else -1); the
   * JVM's direct buffers (native, freed only after the GC finds their owners unreachable); GC runs.
   */
  private record Sample(int step, double rssMb, double heapResidentMb, double directMb, long gcs) {
    double nativeMb() {
      return heapResidentMb < 0 ? Double.NaN : rssMb - heapResidentMb;
    }
  }

  @Override
  public Integer call() throws Exception {
    validate();
    if (output.dir != null) {
      OutputDirectory.prepare(output.dir);
    }
    Log log = Log.stderr();
    Benchmarks.Machine machine = Benchmarks.Machine.current();
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    boolean pinned = heap.getMax() > 0 && heap.getInit() == heap.getMax();
    long heapBytes = Runtime.getRuntime().maxMemory();
    String arenas = System.getenv().getOrDefault("MALLOC_ARENA_MAX", "unset");
    List<Sample> samples = new ArrayList<>();
    long t0;
    long tWarm = 0;
    long tEnd;
    try (Classifier student = Classifier.create(Architecture.SMALL_CNN, Benchmarks.SPEC, 0);
        Classifier teacher = Classifier.create(Architecture.SMALL_CNN, Benchmarks.SPEC, 1);
        Sgd sgd = new Sgd(student.trainableParameters(), Benchmarks.SGD, student.manager());
        NDManager data = student.manager().newSubManager()) {
      teacher.freeze();
      List<NDArray[]> batches = Benchmarks.randomBatches(student, data, batch, 4);
      IgdStep igd = new IgdStep(student, teacher, new Pgd(Benchmarks.PGD_10), Benchmarks.IGD, sgd);
      samples.add(sample(0, heapBytes));
      t0 = System.nanoTime();
      try (Progress progress = Progress.start("soak: IGD steps", steps, 0, "steps", log)) {
        for (int i = 1; i <= steps; i++) {
          NDArray[] b = batches.get(i % batches.size());
          igd.step(b[0], b[1], i, Benchmarks.SGD.learningRate());
          if (!noTrim) {
            NativeMemory.releaseEvery(i); // as LocalTrainer and KafkaTrainer do
          }
          if (i % sampleEvery == 0) {
            Sample s = sample(i, heapBytes);
            samples.add(s);
            if (i == warmupSteps) {
              tWarm = System.nanoTime();
            }
            progress.stepTo(i, String.format(Locale.ROOT, "RSS %.0f MB", s.rssMb()));
          }
        }
      }
      tEnd = System.nanoTime();
      if (warmupSteps == 0) {
        tWarm = t0;
      }
    }

    Sample warm = samples.get(warmupSteps / sampleEvery);
    Sample end = samples.get(samples.size() - 1);
    List<Sample> after = samples.subList(warmupSteps / sampleEvery, samples.size());
    double min = after.stream().mapToDouble(Sample::rssMb).min().orElseThrow();
    double max = after.stream().mapToDouble(Sample::rssMb).max().orElseThrow();
    double growth = (end.rssMb() - warm.rssMb()) / warm.rssMb();
    double nativeGrowth = (end.nativeMb() - warm.nativeMb()) / warm.nativeMb();
    double rate = (steps - warmupSteps) / ((tEnd - tWarm) / 1e9);
    boolean heapFound = end.heapResidentMb() >= 0;

    machine.print();
    System.out.printf(
        Locale.ROOT,
        "soak: small-cnn IGD step (PGD-10 + teacher gradient + CE(x_adv) + double backprop + SGD), batch %d, "
            + "random data, %d steps, RSS every %d; MALLOC_ARENA_MAX=%s%s%n",
        batch,
        steps,
        sampleEvery,
        arenas,
        noTrim
            ? "; no malloc_trim (--no-trim)"
            : "; malloc_trim(0) every " + NativeMemory.TRIM_EVERY + " steps, as the trainers do");
    if (pinned) {
      System.out.printf(
          Locale.ROOT,
          "JVM heap pinned (-Xms = -Xmx = %d MB): RSS changes are native memory (libtorch, DJL), "
              + "apart from heap pages touched for the first time (%s)%n",
          heapBytes >> 20,
          heapFound
              ? "the heap column, from /proc/self/smaps"
              : "heap mapping not found in /proc/self/smaps");
    } else {
      System.out.printf(
          Locale.ROOT,
          "JVM heap NOT pinned (init %d MB, max %d MB): RSS includes heap growth; run with -Xms = -Xmx%n",
          heap.getInit() >> 20,
          heap.getMax() >> 20);
    }
    System.out.printf(
        Locale.ROOT,
        "%8s %10s %10s %10s %10s %6s%n",
        "step",
        "RSS MB",
        "heap MB",
        "native MB",
        "direct MB",
        "GCs");
    for (Sample s : samples) {
      System.out.printf(
          Locale.ROOT,
          "%8d %10.1f %10s %10s %10.1f %6d%n",
          s.step(),
          s.rssMb(),
          heapFound ? format(s.heapResidentMb()) : "-",
          heapFound ? format(s.nativeMb()) : "-",
          s.directMb(),
          s.gcs());
    }
    System.out.println(
        "(heap MB: resident pages of the Java heap; native MB = RSS - heap MB; direct MB: the JVM's direct "
            + "buffers, part of native)");
    System.out.printf(
        Locale.ROOT,
        "RSS at warm-up end (step %d): %.1f MB; at the end (step %d): %.1f MB%n",
        warmupSteps,
        warm.rssMb(),
        steps,
        end.rssMb());
    System.out.printf(
        Locale.ROOT,
        "growth after warm-up: %+.2f %% (goal < %.0f %%: %s)%s%n",
        100 * growth,
        100 * GOAL_GROWTH,
        growth < GOAL_GROWTH ? "met" : "MISSED",
        heapFound
            ? String.format(
                Locale.ROOT, "; native (RSS - resident heap) %+.2f %%", 100 * nativeGrowth)
            : "");
    System.out.printf(Locale.ROOT, "RSS after warm-up: min %.1f MB, max %.1f MB%n", min, max);
    System.out.printf(
        Locale.ROOT,
        "%.2f steps/s after warm-up; %d steps in %.1f s%n",
        rate,
        steps,
        (tEnd - t0) / 1e9);

    Map<String, Object> result = new LinkedHashMap<>();
    result.put("machine", machine.json());
    result.put("model", Architecture.SMALL_CNN.id());
    result.put("batch", batch);
    result.put("steps", steps);
    result.put("warmup_steps", warmupSteps);
    result.put("sample_every", sampleEvery);
    result.put("heap_pinned", pinned);
    result.put("heap_max_mb", heapBytes >> 20);
    result.put("malloc_arena_max", arenas);
    result.put("malloc_trim_every_steps", noTrim ? 0 : NativeMemory.TRIM_EVERY);
    result.put("rss_at_warmup_mb", warm.rssMb());
    result.put("rss_end_mb", end.rssMb());
    result.put("growth_after_warmup_pct", 100 * growth);
    if (heapFound) {
      result.put("native_growth_after_warmup_pct", 100 * nativeGrowth);
    }
    result.put("rss_min_after_warmup_mb", min);
    result.put("rss_max_after_warmup_mb", max);
    result.put("steps_per_s_after_warmup", rate);
    result.put("seconds", (tEnd - t0) / 1e9);
    result.put("goal_growth_pct", 100 * GOAL_GROWTH);
    List<Map<String, Object>> series = new ArrayList<>();
    for (Sample s : samples) {
      Map<String, Object> point = new LinkedHashMap<>();
      point.put("step", s.step());
      point.put("rss_mb", s.rssMb());
      if (heapFound) {
        point.put("heap_resident_mb", s.heapResidentMb());
        point.put("native_mb", s.nativeMb());
      }
      point.put("direct_buffers_mb", s.directMb());
      point.put("gc_count", s.gcs());
      series.add(point);
    }
    result.put("series", series);
    Benchmarks.writeJson(output.dir, "bench-soak.json", result);
    if (output.dir != null) {
      Map<String, double[][]> lines = new LinkedHashMap<>();
      lines.put(
          "RSS",
          samples.stream().map(s -> new double[] {s.step(), s.rssMb()}).toArray(double[][]::new));
      if (heapFound) {
        lines.put(
            "native (RSS - resident heap pages)",
            samples.stream()
                .map(s -> new double[] {s.step(), s.nativeMb()})
                .toArray(double[][]::new));
      }
      Plots.linesWithMarker(
          output.dir.resolve("bench-soak.png"),
          String.format(
              Locale.ROOT,
              "Resident memory over %d IGD steps (small-cnn, batch %d): %+.2f %% after warm-up",
              steps,
              batch,
              100 * growth),
          "step",
          "MB",
          lines,
          warmupSteps,
          "warm-up end (step " + warmupSteps + ")");
      log.info(
          "wrote "
              + output.dir.resolve("bench-soak.json")
              + " and "
              + output.dir.resolve("bench-soak.png"));
    }
    return 0;
  }

  private void validate() {
    if (sampleEvery < 1) {
      throw new BadInputException("--sample-every must be >= 1, was " + sampleEvery);
    }
    if (steps < 200) {
      throw new BadInputException("--steps must be >= 200, was " + steps);
    }
    if (warmupSteps < 0 || warmupSteps >= steps) {
      throw new BadInputException(
          "--warmup-steps must be in 0.." + (steps - 1) + " (below --steps), was " + warmupSteps);
    }
    if (steps % sampleEvery != 0 || warmupSteps % sampleEvery != 0) {
      throw new BadInputException(
          "--steps and --warmup-steps must be multiples of --sample-every "
              + sampleEvery
              + ", were "
              + steps
              + " and "
              + warmupSteps);
    }
    if (batch < 1) {
      throw new BadInputException("--batch must be >= 1, was " + batch);
    }
  }

  private static String format(double mb) {
    return String.format(Locale.ROOT, "%.1f", mb);
  }

  private Sample sample(int step, long heapBytes) {
    double direct =
        ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getMemoryUsed)
                .sum()
            / 1048576.0;
    long gcs =
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .mapToLong(g -> Math.max(0, g.getCollectionCount()))
            .sum();
    return new Sample(step, residentKb() / 1024.0, heapResidentKb(heapBytes) / 1024.0, direct, gcs);
  }

  /** VmRSS of this process, kB. */
  static long residentKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc/self/status", e);
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }

  /**
   * Resident kB of the Java heap's address range in /proc/self/smaps; -1 when it is not found. The
   * range starts at the anonymous read-write mapping that holds most of the heap (all of it when
   * the heap is pinned and committed) and spans the heap's maximum size: HotSpot maps its CDS heap
   * regions at the top of that range as separate mappings, which are counted too.
   */
  static long heapResidentKb(long heapBytes) {
    List<long[]> mappings = new ArrayList<>(); // start, end, rss kB, anonymous read-write (1/0)
    try {
      long[] current = null;
      for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
        String[] f = line.trim().split("\\s+");
        if (f.length >= 5 && f[0].matches("[0-9a-f]+-[0-9a-f]+")) {
          String[] range = f[0].split("-");
          current =
              new long[] {
                Long.parseUnsignedLong(range[0], 16),
                Long.parseUnsignedLong(range[1], 16),
                0,
                f.length == 5 && f[1].startsWith("rw") ? 1 : 0
              };
          mappings.add(current);
        } else if (current != null && line.startsWith("Rss:")) {
          current[2] = Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    for (long[] m : mappings) {
      long size = m[1] - m[0];
      if (m[3] == 1 && size <= heapBytes && size >= heapBytes / 2) {
        long end = m[0] + heapBytes;
        return mappings.stream()
            .filter(o -> o[0] >= m[0] && o[1] <= end)
            .mapToLong(o -> o[2])
            .sum();
      }
    }
    return -1;
  }
}
