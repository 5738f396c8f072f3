package io.igdstream.app.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.typesafe.config.Config;
import io.igdstream.app.cli.BadInputException;
import io.igdstream.app.cli.OutputDirectory;
import io.igdstream.app.cli.Settings;
import io.igdstream.app.console.Log;
import io.igdstream.app.console.Progress;
import io.igdstream.core.io.CheckpointDirectory;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import io.igdstream.core.train.IgdStep;
import io.igdstream.core.train.Sgd;
import io.igdstream.core.train.TrainSettings;
import io.igdstream.schemas.AdversarialSample;
import io.igdstream.schemas.AttackSettings;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.Tensors;
import io.igdstream.schemas.TopicNames;
import io.igdstream.trainer.KafkaTrainer;
import io.igdstream.trainer.TrainerMetrics;
import io.igdstream.trainer.TrainerSettings;
import io.igdstream.trainer.TrainingSplit;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code igd bench kafka-path}: what feeding the trainer through Kafka costs. The Kafka-fed trainer
 * ({@link KafkaTrainer}: poll, Avro decode, validation, batching, the step, offset commits and its
 * periodic snapshots) on a topic of the in-process broker filled beforehand, against the same step
 * ({@link IgdStep#trainOn}) looping over the same records decoded once into arrays. Same batch,
 * steps and threads; both rates are steady state, from the time after each step with the first
 * --warmup steps left out (the trainer's start-up is not counted). Goal: kafka/memory >= 0.95.
 */
@Command(
    name = "kafka-path",
    mixinStandardHelpOptions = true,
    header = "The Kafka-fed trainer vs the same records from memory.",
    description = "The Kafka-fed trainer vs the same records from memory (steady-state steps/s).")
final class KafkaPathBenchmark implements Callable<Integer> {

  static final double GOAL = 0.95;

  @Option(
      names = "--steps",
      defaultValue = "50",
      description =
          "Steps of each run; the topic holds steps x batch records (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--warmup",
      defaultValue = "5",
      description = "First steps of each run left out of the rate (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--batch",
      defaultValue = "128",
      description = "Batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Mixin BenchOutputOption output;

  private final GradientThread gradient = GradientThread.shared();

  /** One batch decoded from its records. */
  private record DecodedBatch(float[] x, float[] xAdv, float[] teacherGradient, long[] labels) {}

  @Override
  public Integer call() throws Exception {
    if (batch < 1 || warmup < 0 || steps < warmup + 2) {
      throw new BadInputException("--batch must be >= 1, --warmup >= 0 and --steps >= warmup + 2");
    }
    if (output.dir != null) {
      OutputDirectory.prepare(output.dir);
    }
    Log log = Log.stderr();
    Benchmarks.Machine machine = Benchmarks.Machine.current();
    // One epoch of steps x batch distinct samples: the trainer stops after exactly --steps steps.
    Config config =
        Settings.load(null, Map.of("igd.train.batch-size", batch, "igd.train.epochs", 1));
    TrainSettings train = TrainSettings.fromConfig(config);
    TrainerSettings trainer = TrainerSettings.fromConfig(config);
    List<Map.Entry<String, byte[]>> records = records(steps * batch, trainer.modelId());

    long[] memory = fromMemory(decode(records), train, log);
    KafkaRun kafka;
    try (BenchBroker broker = BenchBroker.start(config, log)) {
      TopicNames topics = broker.topics("bench-kafka-path");
      broker.produce(topics.trainAdversarial(), records);
      log.info("kafka-path: " + records.size() + " records on " + topics.trainAdversarial());
      kafka = throughKafka(broker, topics, train, trainer, records.size(), log);
    }

    double memoryRate = rate(memory);
    double kafkaRate = rate(kafka.t());
    double ratio = kafkaRate / memoryRate;
    // The trainer publishes its weights every snapshot-every steps between two steps: show that
    // share apart from the per-record work (poll, decode, validate, copy, commit).
    double withoutSnapshots =
        (steps - warmup) / ((kafka.t()[steps] - kafka.t()[warmup]) / 1e9 - kafka.snapshotSeconds());
    machine.print();
    System.out.printf(
        Locale.ROOT,
        "small-cnn, batch %d, %d steps per run, rate over steps %d-%d; broker in this JVM; trainer "
            + "snapshot every %d steps, checkpoint every %d%n",
        batch,
        steps,
        warmup + 1,
        steps,
        trainer.snapshotEvery(),
        trainer.checkpointEvery());
    System.out.printf(Locale.ROOT, "%-44s %9s %18s%n", "path", "steps/s", "median step ms");
    System.out.printf(
        Locale.ROOT,
        "%-44s %9.3f %18.1f%n",
        "memory (decoded arrays -> trainOn)",
        memoryRate,
        medianMs(memory));
    System.out.printf(
        Locale.ROOT,
        "%-44s %9.3f %18.1f%n",
        "kafka (KafkaTrainer on the topic)",
        kafkaRate,
        medianMs(kafka.t()));
    System.out.printf(
        Locale.ROOT,
        "ratio kafka/memory: %.3f (goal >= %.2f: %s)%n",
        ratio,
        GOAL,
        ratio >= GOAL ? "met" : "MISSED");
    System.out.printf(
        Locale.ROOT,
        "of the kafka time: %d snapshot publications, %.0f ms in all; without them %.3f steps/s, ratio %.3f%n",
        kafka.snapshots(),
        kafka.snapshotSeconds() * 1e3,
        withoutSnapshots,
        withoutSnapshots / memoryRate);

    Map<String, Object> result = new LinkedHashMap<>();
    result.put("machine", machine.json());
    result.put("model", Architecture.SMALL_CNN.id());
    result.put("batch", batch);
    result.put("steps", steps);
    result.put("warmup", warmup);
    result.put("snapshot_every", trainer.snapshotEvery());
    result.put("checkpoint_every", trainer.checkpointEvery());
    result.put("memory_steps_per_s", memoryRate);
    result.put("memory_step_ms_median", medianMs(memory));
    result.put("kafka_steps_per_s", kafkaRate);
    result.put("kafka_step_ms_median", medianMs(kafka.t()));
    result.put("ratio_kafka_to_memory", ratio);
    result.put("kafka_snapshots_in_window", kafka.snapshots());
    result.put("kafka_snapshot_s_in_window", kafka.snapshotSeconds());
    result.put("ratio_kafka_without_snapshots_to_memory", withoutSnapshots / memoryRate);
    result.put("goal", GOAL);
    Benchmarks.writeJson(output.dir, "bench-kafka-path.json", result);
    return 0;
  }

  /** What augment would ship for {@code n} distinct samples of epoch 0 (random pixels), encoded. */
  private static List<Map.Entry<String, byte[]>> records(int n, String modelId) {
    AvroCodec<AdversarialSample> codec = AvroCodec.of(AdversarialSample.class);
    int c = Benchmarks.SPEC.channels();
    int h = Benchmarks.SPEC.height();
    int w = Benchmarks.SPEC.width();
    int size = c * h * w;
    AttackSettings attack =
        AttackSettings.newBuilder()
            .setName("pgd")
            .setEps((float) Benchmarks.PGD_10.eps())
            .setAlpha((float) Benchmarks.PGD_10.alpha())
            .setSteps(Benchmarks.PGD_10.steps())
            .setRandomStart(true)
            .build();
    Random random = new Random(7);
    List<Map.Entry<String, byte[]>> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      float[] x = Benchmarks.randomPixels(random, size);
      float[] xAdv = new float[size];
      float[] g = new float[size];
      for (int k = 0; k < size; k++) {
        xAdv[k] = Math.min(1f, Math.max(0f, x[k] + (random.nextBoolean() ? 0.1f : -0.1f)));
        g[k] = (float) random.nextGaussian();
      }
      String id = String.format(Locale.ROOT, "train-%06d", i);
      AdversarialSample s =
          AdversarialSample.newBuilder()
              .setSampleId(id)
              .setEpoch(0)
              .setLabel(random.nextInt(Benchmarks.SPEC.classes()))
              .setClasses(Benchmarks.SPEC.classes())
              .setX(Tensors.of(x, c, h, w))
              .setXAdv(Tensors.of(xAdv, c, h, w))
              .setTeacherGradient(Tensors.of(g, c, h, w))
              .setSnapshotVersion(0)
              .setModelId(modelId)
              .setAttack(attack)
              .setSeed(i)
              .build();
      out.add(Map.entry(id, codec.encode(s)));
    }
    return out;
  }

  /** The records decoded once, batch by batch in the order they were produced. */
  private List<DecodedBatch> decode(List<Map.Entry<String, byte[]>> records) {
    AvroCodec<AdversarialSample> codec = AvroCodec.of(AdversarialSample.class);
    int size = Benchmarks.SPEC.imageSize();
    List<DecodedBatch> batches = new ArrayList<>();
    for (int start = 0; start < records.size(); start += batch) {
      int n = Math.min(batch, records.size() - start);
      DecodedBatch b =
          new DecodedBatch(
              new float[n * size], new float[n * size], new float[n * size], new long[n]);
      for (int i = 0; i < n; i++) {
        AdversarialSample s = codec.decode(records.get(start + i).getValue());
        System.arraycopy(Tensors.floats(s.getX()), 0, b.x(), i * size, size);
        System.arraycopy(Tensors.floats(s.getXAdv()), 0, b.xAdv(), i * size, size);
        System.arraycopy(
            Tensors.floats(s.getTeacherGradient()), 0, b.teacherGradient(), i * size, size);
        b.labels()[i] = s.getLabel();
      }
      batches.add(b);
    }
    return batches;
  }

  /**
   * The trainer's step over the decoded batches, on the gradient thread as in the trainer; times
   * after each step.
   */
  private long[] fromMemory(List<DecodedBatch> batches, TrainSettings train, Log log) {
    Classifier student =
        gradient.call(
            () -> Classifier.create(Architecture.SMALL_CNN, Benchmarks.SPEC, train.seed()));
    Sgd sgd =
        gradient.call(() -> new Sgd(student.trainableParameters(), train.sgd(), student.manager()));
    IgdStep igd = new IgdStep(student, null, null, train.igd(), sgd);
    long[] t = new long[steps + 1];
    try (Progress progress = Progress.start("kafka-path: from memory", steps, 0, "steps", log)) {
      t[0] = System.nanoTime();
      for (int i = 0; i < steps; i++) {
        DecodedBatch b = batches.get(i);
        gradient.call(
            () -> {
              try (NDManager scope = student.manager().newSubManager()) {
                int n = b.labels().length;
                NDArray x = student.images(scope, b.x(), n);
                NDArray xAdv = student.images(scope, b.xAdv(), n);
                NDArray gT = student.images(scope, b.teacherGradient(), n);
                return igd.trainOn(
                    x, xAdv, scope.create(b.labels()), gT, train.sgd().learningRate());
              }
            });
        t[i + 1] = System.nanoTime();
        progress.stepTo(i + 1, "");
      }
    } finally {
      close(student, sgd);
    }
    return t;
  }

  /**
   * A Kafka run: t[k] the time of the trainer's onStep for step k (t[0]: its start), and the
   * snapshots it published between two steps of the measured window with the time they took.
   */
  private record KafkaRun(long[] t, int snapshots, double snapshotSeconds) {}

  /** The Kafka-fed trainer on the filled topic, timed by its listener. */
  private KafkaRun throughKafka(
      BenchBroker broker,
      TopicNames topics,
      TrainSettings train,
      TrainerSettings settings,
      int records,
      Log log)
      throws Exception {
    long[] t = new long[steps + 1];
    Map<Long, Long> published = new HashMap<>(); // the listener runs on this thread
    try (Progress progress = Progress.start("kafka-path: through Kafka", steps, 0, "steps", log)) {
      KafkaTrainer trainer =
          new KafkaTrainer(
              settings,
              train,
              broker.kafka(),
              topics,
              Architecture.SMALL_CNN,
              new TrainingSplit(records, Benchmarks.SPEC, "random"),
              new CheckpointDirectory(broker.scratch("checkpoints"), settings.keepCheckpoints()),
              new TrainerMetrics(new PrometheusRegistry()),
              new KafkaTrainer.Listener() {
                @Override
                public void onStep(KafkaTrainer.Progress p) {
                  if (p.step() <= steps) {
                    t[(int) p.step()] = System.nanoTime();
                  }
                  progress.stepTo(p.step(), "");
                }

                @Override
                public void onSnapshot(long version, int bytes) {
                  published.put(version, System.nanoTime());
                }

                @Override
                public void onMessage(String message) {
                  log.info(message);
                }
              });
      t[0] = System.nanoTime();
      Classifier student = trainer.run();
      gradient.call(
          () -> {
            student.close();
            return null;
          });
      KafkaTrainer.Result r = trainer.result();
      if (r.steps() != steps || r.trained() != records) {
        throw new IllegalStateException(
            "the trainer ran "
                + r.steps()
                + " steps on "
                + r.trained()
                + " records, expected "
                + steps
                + " on "
                + records
                + ": "
                + r);
      }
    }
    // Snapshot v is published right after step v * snapshot-every (onStep, then onSnapshot).
    int snapshots = 0;
    double seconds = 0;
    for (Map.Entry<Long, Long> p : published.entrySet()) {
      long after = p.getKey() * settings.snapshotEvery();
      if (after > warmup && after < steps) {
        snapshots++;
        seconds += (p.getValue() - t[(int) after]) / 1e9;
      }
    }
    return new KafkaRun(t, snapshots, seconds);
  }

  private void close(Classifier student, Sgd sgd) {
    gradient.call(
        () -> {
          sgd.close();
          student.close();
          return null;
        });
  }

  /** Steps per second after the warm-up steps. */
  private double rate(long[] t) {
    return (steps - warmup) / ((t[steps] - t[warmup]) / 1e9);
  }

  private double medianMs(long[] t) {
    double[] ms = new double[steps - warmup];
    for (int k = warmup + 1; k <= steps; k++) {
      ms[k - warmup - 1] = (t[k] - t[k - 1]) / 1e6;
    }
    return Benchmarks.median(ms);
  }
}
