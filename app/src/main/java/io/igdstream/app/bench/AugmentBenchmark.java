package io.igdstream.app.bench;

import com.typesafe.config.Config;
import io.igdstream.app.cli.BadInputException;
import io.igdstream.app.cli.OutputDirectory;
import io.igdstream.app.cli.Settings;
import io.igdstream.app.console.Log;
import io.igdstream.app.console.Progress;
import io.igdstream.app.roles.AugmentRole;
import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.SnapshotInfo;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.Tensors;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.SnapshotPublisher;
import io.igdstream.streams.augment.AdversarialExamples;
import io.igdstream.streams.augment.AugmentSettings;
import io.igdstream.streams.ingest.SampleIngest;
import io.igdstream.trainer.TrainerSettings;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code igd bench augment}: samples per second of the adversarial-example worker. (a) Its numerics
 * in this JVM ({@link AdversarialExamples#make}: PGD-10 against the snapshot + the teacher's input
 * gradient, one worker batch at a time). (b) End to end through Kafka: an embedded broker in this
 * JVM holding --samples training samples and snapshot v0, then 1 and then 2 {@code igd augment}
 * processes (this JVM's java, jar and flags), timed from launch until {@code
 * {ns}.train.adversarial} holds a record of every one of the --samples samples (the time it first
 * holds --samples records, repeats included, is reported too); start-up is included in the rate and
 * also reported on its own. One worker gets 2 intra-op threads, each of two workers 1 thread with
 * OMP_WAIT_POLICY=PASSIVE, so both runs use the machine's cores without oversubscribing them.
 */
@Command(
    name = "augment",
    mixinStandardHelpOptions = true,
    header = "Augment samples/s: in process, and 1 and 2 Kafka workers.",
    description =
        "Augment worker samples/s: numerics in process, and through Kafka with 1 and 2 worker processes.")
final class AugmentBenchmark implements Callable<Integer> {

  /** The line `igd augment` logs once it is up and connected (AugmentCommand). */
  static final String READY_LINE = "waiting for the first snapshot";

  @Option(
      names = "--batches",
      defaultValue = "10",
      description = "Timed worker batches in process (default: ${DEFAULT-VALUE}).")
  int batches;

  @Option(
      names = "--warmup",
      defaultValue = "2",
      description = "Untimed worker batches in process first (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--samples",
      defaultValue = "4096",
      description = "Training samples sent through Kafka in each run (default: ${DEFAULT-VALUE}).")
  int samples;

  @Option(
      names = "--timeout",
      defaultValue = "30",
      description = "Minutes a Kafka run may take (default: ${DEFAULT-VALUE}).")
  int timeoutMinutes;

  @Mixin BenchOutputOption output;

  private final GradientThread gradient = GradientThread.shared();

  /** One end-to-end run: seconds from launch, NaN where unknown. */
  record Run(
      int workers,
      int threadsPerWorker,
      String env,
      double samplesPerSecond,
      double totalSeconds,
      double recordsSeconds,
      double startupSeconds,
      double firstRecordSeconds,
      double steadySamplesPerSecond,
      long duplicates) {

    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("workers", workers);
      m.put("threads_per_worker", threadsPerWorker);
      m.put("env", env);
      m.put("samples_per_s", samplesPerSecond);
      m.put("total_s", totalSeconds);
      m.put("n_records_s", recordsSeconds);
      m.put("startup_s", startupSeconds);
      m.put("first_record_s", firstRecordSeconds);
      m.put("steady_samples_per_s", steadySamplesPerSecond);
      m.put("duplicates", duplicates);
      return m;
    }
  }

  @Override
  public Integer call() throws Exception {
    if (batches < 1 || warmup < 0 || samples < 1 || timeoutMinutes < 1) {
      throw new BadInputException(
          "--batches, --samples and --timeout must be >= 1 and --warmup >= 0");
    }
    Path jar = jar(); // before any work: the workers are launched from it
    if (output.dir != null) {
      OutputDirectory.prepare(output.dir);
    }
    Log log = Log.stderr();
    Benchmarks.Machine machine = Benchmarks.Machine.current();
    Config config = Settings.load(null, Map.of());
    int batch = AugmentSettings.fromConfig(config).batchSize();
    String modelId = config.getString("igd.trainer.model-id");
    Classifier teacher =
        gradient.call(
            () -> {
              Classifier t = Classifier.create(Architecture.SMALL_CNN, Benchmarks.SPEC, 1);
              t.freeze();
              return t;
            });
    Classifier snapshot =
        gradient.call(() -> Classifier.create(Architecture.SMALL_CNN, Benchmarks.SPEC, 0));
    double inProcess;
    double inProcessMedianMs;
    List<Run> runs = new ArrayList<>();
    try {
      double[] ms = inProcess(AugmentRole.examples(teacher, config), snapshot, batch);
      inProcess = batches * batch / (Arrays.stream(ms).sum() / 1e3);
      inProcessMedianMs = Benchmarks.median(ms);
      log.info(String.format(Locale.ROOT, "augment in process: %.1f samples/s", inProcess));

      try (BenchBroker broker = BenchBroker.start(config, log)) {
        Path dir = broker.scratch("augment");
        Path teacherFile = dir.resolve("teacher.safetensors");
        byte[] snapshotPayload =
            gradient.call(
                () -> {
                  Map<String, String> meta = new LinkedHashMap<>(teacher.describe());
                  meta.put("method", "nat");
                  new Checkpoint(meta, teacher.stateDict(), new LinkedHashMap<>())
                      .write(teacherFile);
                  return snapshot.toModelFile(Map.of()).encode();
                });
        AvroCodec<ImageSample> codec = AvroCodec.of(ImageSample.class);
        List<Map.Entry<String, byte[]>> records = new ArrayList<>(samples);
        for (ImageSample s : samples(samples)) {
          records.add(Map.entry(s.getId().toString(), codec.encode(s)));
        }
        int chunkBytes = TrainerSettings.fromConfig(config).snapshotChunkBytes();
        for (int workers : new int[] {1, 2}) {
          TopicNames topics = broker.topics("bench-augment-" + workers + "w");
          broker.produce(topics.samples(), records);
          try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            new SnapshotPublisher(producer, topics.snapshots(), modelId, chunkBytes)
                .publish(
                    snapshotPayload,
                    new SnapshotInfo(
                        modelId,
                        0,
                        Architecture.SMALL_CNN.id(),
                        Benchmarks.SPEC.channels(),
                        Benchmarks.SPEC.height(),
                        Benchmarks.SPEC.width(),
                        Benchmarks.SPEC.classes(),
                        System.currentTimeMillis(),
                        Map.of("step", "0")));
          }
          runs.add(endToEnd(broker, topics, workers, jar, teacherFile, dir, log));
        }
      }
    } finally {
      gradient.call(
          () -> {
            snapshot.close();
            teacher.close();
            return null;
          });
    }

    Run one = runs.get(0);
    Run two = runs.get(1);
    double speedUp = two.samplesPerSecond() / one.samplesPerSecond();
    double steadySpeedUp = two.steadySamplesPerSecond() / one.steadySamplesPerSecond();
    machine.print();
    System.out.printf(
        Locale.ROOT, "small-cnn, PGD-10 + teacher gradient, worker batch %d%n", batch);
    System.out.printf(
        Locale.ROOT,
        "(a) in process (AdversarialExamples.make, %d threads): %.1f samples/s (median %.1f ms per batch of %d)%n",
        machine.threads(),
        inProcess,
        inProcessMedianMs,
        batch);
    System.out.printf(
        Locale.ROOT,
        "(b) through Kafka, %d training samples, broker in this JVM, workers are separate JVMs:%n",
        samples);
    System.out.printf(
        Locale.ROOT,
        "%-8s %-30s %10s %8s %12s %11s %15s %17s %11s%n",
        "workers",
        "threads per worker",
        "samples/s",
        "total s",
        "N records s",
        "start-up s",
        "first record s",
        "steady samples/s",
        "duplicates");
    for (Run r : runs) {
      System.out.printf(
          Locale.ROOT,
          "%-8d %-30s %10.1f %8.1f %12.1f %11.1f %15.1f %17.1f %11d%n",
          r.workers(),
          r.threadsPerWorker() + (r.env().isEmpty() ? "" : " (" + r.env() + ")"),
          r.samplesPerSecond(),
          r.totalSeconds(),
          r.recordsSeconds(),
          r.startupSeconds(),
          r.firstRecordSeconds(),
          r.steadySamplesPerSecond(),
          r.duplicates());
    }
    System.out.println(
        "total s: launch until every sample is on the topic; N records s: until it holds --samples records "
            + "(repeats count); start-up s: until the slowest worker is up; steady: from the first record on");
    System.out.printf(
        Locale.ROOT,
        "speed-up 2 vs 1 workers: %.2fx from launch, %.2fx steady state -- on %d cores: the 2 workers share "
            + "the cores 1 worker used%n",
        speedUp,
        steadySpeedUp,
        machine.cores());

    Map<String, Object> result = new LinkedHashMap<>();
    result.put("machine", machine.json());
    result.put("model", Architecture.SMALL_CNN.id());
    result.put("batch", batch);
    result.put("in_process_samples_per_s", inProcess);
    result.put("in_process_batch_ms_median", inProcessMedianMs);
    result.put("kafka_samples", samples);
    result.put("kafka_runs", runs.stream().map(Run::json).toList());
    result.put("speed_up_2_vs_1", speedUp);
    result.put("steady_speed_up_2_vs_1", steadySpeedUp);
    Benchmarks.writeJson(output.dir, "bench-augment.json", result);
    return 0;
  }

  /**
   * Milliseconds of each timed batch of {@link AdversarialExamples#make}, on the gradient thread as
   * in a worker.
   */
  private double[] inProcess(AdversarialExamples examples, Classifier snapshot, int batch) {
    List<ImageSample> pool = samples(4 * batch);
    double[] ms = new double[batches];
    gradient.call(
        () -> {
          for (int i = 0; i < warmup + batches; i++) {
            int from = (i % 4) * batch;
            long t0 = System.nanoTime();
            examples.make(pool.subList(from, from + batch), 0, snapshot, 0);
            if (i >= warmup) {
              ms[i - warmup] = (System.nanoTime() - t0) / 1e6;
            }
          }
          return null;
        });
    return ms;
  }

  /** Launches {@code workers} augment processes on the prepared prefix and times them. */
  private Run endToEnd(
      BenchBroker broker,
      TopicNames topics,
      int workers,
      Path jar,
      Path teacherFile,
      Path dir,
      Log log)
      throws Exception {
    int threads = workers == 1 ? 2 : 1;
    Map<String, String> env = new LinkedHashMap<>();
    if (workers > 1) {
      env.put(
          "OMP_WAIT_POLICY",
          "PASSIVE"); // idle OpenMP threads must not spin on the cores the other worker needs
    }
    List<String> command =
        command(
            jar,
            threads,
            "augment",
            "--bootstrap-servers",
            broker.kafka().bootstrapServers(),
            "--topic-prefix",
            topics.prefix(),
            "--teacher",
            teacherFile.toString(),
            "--epochs",
            "1",
            "--max-lag",
            "1000000000",
            "--metrics-port",
            "-1");
    log.info("augment: launching " + workers + " worker(s): " + String.join(" ", command));
    String topic = topics.trainAdversarial();
    List<Worker> running = new ArrayList<>();
    long t0 = System.nanoTime();
    try {
      for (int i = 0; i < workers; i++) {
        running.add(
            Worker.launch(command, env, dir.resolve("worker-" + workers + "w-" + i + ".log")));
      }
      long firstAt = -1;
      long firstCount = 0;
      long recordsAt = -1;
      long doneAt;
      Set<String> made = new HashSet<>();
      try (KafkaConsumer<byte[], byte[]> reader = broker.reader(topic);
          Progress progress =
              Progress.start("augment: " + workers + " worker(s)", samples, 0, "samples", log)) {
        while (true) {
          // Polling the output is also the loop's wait. Distinct sample ids, not records, decide
          // the
          // end: a worker joining the group makes the other redo its uncommitted batches.
          for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(100))) {
            made.add(new String(r.key(), StandardCharsets.UTF_8));
          }
          long now = System.nanoTime();
          if (!made.isEmpty() && firstAt < 0) {
            firstAt = now;
            firstCount = made.size();
          }
          if (recordsAt < 0 && broker.records(topic) >= samples) {
            recordsAt = now;
          }
          progress.stepTo(made.size(), "");
          if (made.size() >= samples) {
            doneAt = now;
            break;
          }
          for (Worker w : running) {
            if (!w.process.isAlive()) {
              throw new IllegalStateException(
                  "an augment worker exited with code "
                      + w.process.exitValue()
                      + " after "
                      + made.size()
                      + " of "
                      + samples
                      + " samples; its log ends:\n"
                      + w.tail());
            }
          }
          if (now - t0 > TimeUnit.MINUTES.toNanos(timeoutMinutes)) {
            throw new IllegalStateException(
                "augment with "
                    + workers
                    + " worker(s) made "
                    + made.size()
                    + " of "
                    + samples
                    + " samples in "
                    + timeoutMinutes
                    + " min (--timeout)");
          }
        }
      }
      // The workers end by themselves once their group has committed the whole pass; what they
      // wrote beyond --samples are at-least-once repeats (e.g. after the second worker's
      // rebalance).
      for (Worker w : running) {
        if (!w.process.waitFor(60, TimeUnit.SECONDS)) {
          log.info("augment: a worker did not exit within 60 s of the last record; stopping it");
        }
      }
      long duplicates = broker.records(topic) - samples;
      // start-up: until the slowest worker was up (NaN if one never said so)
      double startup =
          running.stream().anyMatch(w -> w.readyAt < 0)
              ? Double.NaN
              : (running.stream().mapToLong(w -> w.readyAt).max().orElseThrow() - t0) / 1e9;
      double total = (doneAt - t0) / 1e9;
      double steady =
          doneAt > firstAt ? (samples - firstCount) / ((doneAt - firstAt) / 1e9) : Double.NaN;
      String envText =
          String.join(
              " ", env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
      return new Run(
          workers,
          threads,
          envText,
          samples / total,
          total,
          (recordsAt - t0) / 1e9,
          startup,
          (firstAt - t0) / 1e9,
          steady,
          duplicates);
    } finally {
      for (Worker w : running) {
        w.stop();
      }
    }
  }

  /** {@code n} random training samples with ingest's ids; sample i is the same in every call. */
  private static List<ImageSample> samples(int n) {
    List<ImageSample> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Random random = new Random(i);
      out.add(
          ImageSample.newBuilder()
              .setId(SampleIngest.id(Split.TRAIN, i))
              .setSplit(Split.TRAIN)
              .setLabel(random.nextInt(Benchmarks.SPEC.classes()))
              .setClasses(Benchmarks.SPEC.classes())
              .setImage(
                  Tensors.of(
                      Benchmarks.randomPixels(random, Benchmarks.SPEC.imageSize()),
                      Benchmarks.SPEC.channels(),
                      Benchmarks.SPEC.height(),
                      Benchmarks.SPEC.width()))
              .setDataset("random")
              .build());
    }
    return out;
  }

  /** The fat jar this JVM runs from. */
  private static Path jar() {
    try {
      Path jar =
          Path.of(
              AugmentBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (Files.isRegularFile(jar) && jar.toString().endsWith(".jar")) {
        return jar;
      }
    } catch (URISyntaxException | SecurityException e) {
      // not from a jar: reported below
    }
    throw new BadInputException(
        "bench augment launches `igd augment` from the fat jar: run it with bin/igd or java -jar igd.jar");
  }

  /** This JVM's java and flags (heap, offline DJL), with the workers' thread count, on the jar. */
  private static List<String> command(Path jar, int threads, String... args) {
    List<String> command = new ArrayList<>();
    command.add(
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!flag.startsWith("-Dai.djl.pytorch.num_threads=")) {
        command.add(flag);
      }
    }
    command.add("-Dai.djl.pytorch.num_threads=" + threads);
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(List.of(args));
    return command;
  }

  /** A launched worker: its output goes to a log file, and the time it said it was up is kept. */
  private static final class Worker {
    final Process process;
    final Path log;
    final Deque<String> tail = new ArrayDeque<>();
    volatile long readyAt = -1;

    private Worker(Process process, Path log) {
      this.process = process;
      this.log = log;
    }

    static Worker launch(List<String> command, Map<String, String> env, Path log)
        throws IOException {
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.environment().putAll(env);
      builder.environment().putIfAbsent("MALLOC_ARENA_MAX", "2"); // as bin/igd
      Worker w = new Worker(builder.start(), log);
      Thread reader = new Thread(w::read, "igd-bench-worker-output");
      reader.setDaemon(true);
      reader.start();
      return w;
    }

    private void read() {
      try (BufferedReader in = process.inputReader();
          BufferedWriter file = Files.newBufferedWriter(log)) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          if (readyAt < 0 && line.contains(READY_LINE)) {
            readyAt = System.nanoTime();
          }
          file.write(line);
          file.newLine();
          synchronized (tail) {
            tail.addLast(line);
            if (tail.size() > 15) {
              tail.removeFirst();
            }
          }
        }
      } catch (IOException e) {
        // the process ended or its log cannot be written: the tail still has its last lines
      }
    }

    String tail() {
      synchronized (tail) {
        return String.join("\n", tail);
      }
    }

    void stop() throws InterruptedException {
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
        }
      }
    }
  }
}
