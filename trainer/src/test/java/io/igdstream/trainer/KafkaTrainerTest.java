package io.igdstream.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.io.CheckpointDirectory;
import io.igdstream.core.io.TensorData;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import io.igdstream.core.train.TrainSettings;
import io.igdstream.schemas.AdversarialSample;
import io.igdstream.schemas.AssembledSnapshot;
import io.igdstream.schemas.AttackSettings;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.DeadLetter;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.ReasonCode;
import io.igdstream.schemas.RecordDecodingException;
import io.igdstream.schemas.SnapshotAssembler;
import io.igdstream.schemas.SnapshotChunk;
import io.igdstream.schemas.SnapshotHeader;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.Tensors;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.DeadLetterRecords;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.schemas.kafka.TopicScan;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import io.igdstream.streams.kafka.GroupOffsets;
import io.igdstream.streams.kafka.TopicAdmin;
import io.igdstream.streams.kafka.TopicsSettings;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka-fed trainer against the in-process broker, fed AdversarialSamples the test makes itself
 * (it plays augment): a tiny small-cnn on 48 random 1x28x28 images, batch 16, 2 epochs. The tests
 * use gradients and must not run in parallel within one JVM.
 */
@Tag("broker")
@Timeout(value = 240, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KafkaTrainerTest {

  static final Duration READY = Duration.ofSeconds(30);
  static final int SAMPLES = 48;
  static final int TEST_SAMPLES = 4;
  static final int CLASSES = 10;
  static final int[] SHAPE = {1, 28, 28};
  static final int PIXELS = 28 * 28;
  static final String MODEL_ID = "igd-student";
  static final AvroCodec<AdversarialSample> ADVERSARIAL = AvroCodec.of(AdversarialSample.class);
  static final AvroCodec<ImageSample> IMAGES = AvroCodec.of(ImageSample.class);
  static final AvroCodec<SnapshotHeader> HEADERS = AvroCodec.of(SnapshotHeader.class);
  static final AvroCodec<SnapshotChunk> CHUNKS = AvroCodec.of(SnapshotChunk.class);
  static final AtomicInteger PREFIXES = new AtomicInteger();

  @TempDir static Path shared;
  static EmbeddedKafkaBroker broker;

  @TempDir Path dir;

  @BeforeAll
  static void startBroker() throws IOException {
    broker = EmbeddedKafkaBroker.start(shared.resolve("kafka"), 0);
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void trainsEveryRecordOnceDeadLettersBadOnesAndPublishesItsWeights() throws Exception {
    Run run = new Run(config(""));
    List<byte[]> extrasSent = new ArrayList<>();
    List<RecordMetadata> badSent = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = run.producer()) {
      for (int i = 0; i < SAMPLES; i++) {
        run.send(producer, sample(i, 0, 0));
      }
      // at-least-once augment: five (sample id, epoch) pairs again
      for (int i = 0; i < 5; i++) {
        run.send(producer, sample(i * 7, 0, 0));
      }
      byte[] garbage = new byte[200];
      new Random(1).nextBytes(garbage);
      garbage[0] = 0; // not the single-object marker
      AdversarialSample nan = sample(5, 1, 0);
      float[] xAdv = Tensors.floats(nan.getXAdv());
      xAdv[17] = Float.NaN;
      nan.setXAdv(Tensors.of(xAdv, SHAPE));
      AdversarialSample badLabel = sample(6, 1, 0);
      badLabel.setLabel(CLASSES);
      byte[][] bad = {garbage, ADVERSARIAL.encode(nan), ADVERSARIAL.encode(badLabel)};
      String[] badKeys = {id(4), id(5), id(6)};
      for (int i = 0; i < bad.length; i++) {
        badSent.add(run.sendRaw(producer, badKeys[i], bad[i]));
        extrasSent.add(bad[i]);
      }
      // an epoch past the last one (augment ran ahead): skipped, never trained
      for (int i = 0; i < 3; i++) {
        run.send(producer, sample(i + 10, 2, 0));
      }
      // epoch 1 last, so every partition ends with a record the run needs
      for (int i = 0; i < SAMPLES; i++) {
        run.send(producer, sample(i, 1, 0));
      }
    }

    TrainingSplit split = TrainingSplit.read(run.kafka, run.topics.samples(), READY);
    assertEquals(SAMPLES, split.samples(), "TEST samples are not part of the training split");
    assertEquals(CLASSES, split.spec().classes());
    assertEquals(28, split.spec().width());

    List<Long> published = new ArrayList<>();
    KafkaTrainer trainer =
        run.trainer(
            split,
            dir,
            new KafkaTrainer.Listener() {
              @Override
              public void onSnapshot(long version, int bytes) {
                published.add(version);
              }
            });
    Classifier student = trainer.run();
    try {
      KafkaTrainer.Result result = trainer.result();
      assertTrue(trainer.done());
      assertEquals(SAMPLES * 2L, result.trained());
      assertEquals(5, result.duplicates());
      assertEquals(3, result.deadLetters());
      assertEquals(0, result.stale());
      assertEquals(6, result.steps());
      assertEquals(3, result.version(), "v0 at start, then after steps 2, 4 and 6");
      assertEquals(List.of(0L, 1L, 2L, 3L), published);

      // the dead letters: reasons, source and raw bytes of exactly the three bad records
      List<DeadLetter> letters = new ArrayList<>();
      TopicScan.scan(
          run.kafka,
          run.topics.dlq(),
          READY,
          r -> letters.add(DeadLetterRecords.decode(r.value())));
      assertEquals(3, letters.size(), letters.toString());
      Map<Long, DeadLetter> byOffset = new HashMap<>();
      letters.forEach(l -> byOffset.put(((long) l.getPartition() << 40) + l.getOffset(), l));
      ReasonCode[] reasons = {
        ReasonCode.UNDECODABLE, ReasonCode.NON_FINITE, ReasonCode.LABEL_OUT_OF_RANGE
      };
      for (int i = 0; i < 3; i++) {
        RecordMetadata md = badSent.get(i);
        DeadLetter l = byOffset.get(((long) md.partition() << 40) + md.offset());
        assertTrue(l != null, "no dead letter for bad record " + i + " at " + md);
        assertEquals(run.topics.trainAdversarial(), l.getSourceTopic());
        assertEquals(reasons[i], l.getReasonCode(), l.getReason());
        assertFalse(l.getReason().isBlank());
        assertArrayEquals(extrasSent.get(i), bytes(l.getRaw()));
      }

      // {ns}.snapshots reassembles to verified versions 0..3; the newest holds the returned weights
      SnapshotAssembler assembler = new SnapshotAssembler(MODEL_ID);
      List<AssembledSnapshot> snapshots = new ArrayList<>();
      TopicScan.scan(
          run.kafka,
          run.topics.snapshots(),
          READY,
          r -> snapshots.addAll(accept(assembler, r.value())));
      assertEquals(
          List.of(0L, 1L, 2L, 3L), snapshots.stream().map(s -> s.header().getVersion()).toList());
      AssembledSnapshot newest = snapshots.get(snapshots.size() - 1);
      assertEquals(result.version(), newest.header().getVersion());
      Checkpoint weights = Checkpoint.decode(newest.payload(), "snapshot v" + result.version());
      assertSameWeights(stateDict(student), weights.model(), 0);

      // the group committed everything it consumed: the whole topic
      try (Admin admin = run.admin()) {
        Map<TopicPartition, Long> end =
            GroupOffsets.endOffsets(admin, run.topics.trainAdversarial());
        Map<TopicPartition, Long> committed =
            GroupOffsets.committed(admin, run.group(), run.topics.trainAdversarial());
        assertEquals(end, committed);
        assertEquals(
            SAMPLES * 2L + 5 + 3 + 3, end.values().stream().mapToLong(Long::longValue).sum());
      }

      // the final checkpoint is the returned model at the last step
      Checkpoint last = new CheckpointDirectory(dir, 2).latest(m -> {}).orElseThrow();
      assertEquals(6, last.requireLong("step"));
      assertEquals(3, last.requireLong("snapshot_version"));
      assertSameWeights(stateDict(student), last.model(), 0);
    } finally {
      close(student);
    }
  }

  @Test
  void resumesExactlyFromTheCheckpointOfAStoppedRun() throws Exception {
    Config config = config("igd.topics.train-adversarial.partitions = 1");
    Run a = new Run(config);
    Run b = new Run(config);
    for (Run run : List.of(a, b)) {
      try (KafkaProducer<byte[], byte[]> producer = run.producer()) {
        for (int i = 0; i < SAMPLES; i++) {
          run.send(producer, sample(i, 0, 0));
        }
        for (int i = 0; i < SAMPLES; i++) {
          run.send(producer, sample(i, 1, 0));
          if (i == 40) { // replays after the stop: the seen set must survive the restart
            run.send(producer, sample(3, 0, 0));
            run.send(producer, sample(30, 1, 0));
          }
        }
      }
    }

    TrainingSplit splitA = TrainingSplit.read(a.kafka, a.topics.samples(), READY);
    KafkaTrainer uninterrupted =
        a.trainer(splitA, dir.resolve("a"), new KafkaTrainer.Listener() {});
    Classifier studentA = uninterrupted.run();
    LinkedHashMap<String, TensorData> weightsA = stateDict(studentA);
    close(studentA);
    KafkaTrainer.Result resultA = uninterrupted.result();
    assertEquals(SAMPLES * 2L, resultA.trained());
    assertEquals(2, resultA.duplicates());

    TrainingSplit splitB = TrainingSplit.read(b.kafka, b.topics.samples(), READY);
    KafkaTrainer[] first = new KafkaTrainer[1];
    first[0] =
        b.trainer(
            splitB,
            dir.resolve("b"),
            new KafkaTrainer.Listener() {
              @Override
              public void onStep(KafkaTrainer.Progress progress) {
                if (progress.step() == 3) {
                  first[0].stop();
                }
              }
            });
    close(first[0].run());
    assertEquals(3, first[0].result().steps());
    assertFalse(first[0].done());

    List<String> messages = new ArrayList<>();
    KafkaTrainer resumed =
        b.trainer(
            splitB,
            dir.resolve("b"),
            new KafkaTrainer.Listener() {
              @Override
              public void onMessage(String message) {
                messages.add(message);
              }
            });
    Classifier studentB = resumed.run();
    LinkedHashMap<String, TensorData> weightsB = stateDict(studentB);
    close(studentB);
    assertTrue(
        messages.stream().anyMatch(m -> m.startsWith("resumed at step 3")), messages.toString());
    KafkaTrainer.Result resultB = resumed.result();
    assertEquals(resultA, resultB);
    double diff = maxAbsDiff(weightsA, weightsB);
    System.out.println(
        "KafkaTrainerTest: resumed vs uninterrupted weights, max abs diff = "
            + diff
            + (diff == 0 ? " (bit-identical)" : ""));
    assertSameWeights(weightsA, weightsB, 1e-6);
  }

  @Test
  void dropPolicySkipsTooStaleRecordsAndTheRunStillEnds() throws Exception {
    Run run = new Run(config("igd.trainer.max-staleness = 0\nigd.trainer.staleness-policy = drop"));
    try (KafkaProducer<byte[], byte[]> producer = run.producer()) {
      for (int e = 0; e < 2; e++) {
        for (int i = 0; i < SAMPLES; i++) {
          run.send(producer, sample(i, e, 0));
        }
      }
    }
    TrainingSplit split = TrainingSplit.read(run.kafka, run.topics.samples(), READY);
    KafkaTrainer trainer = run.trainer(split, dir, new KafkaTrainer.Listener() {});
    close(trainer.run());
    // steps 1-2 train on v0 records at trainer v0; from step 2 on the trainer is at v1 > 0 + 0.
    // The last batches train nothing, so the final snapshot is v2: v1's weights marked final.
    KafkaTrainer.Result result = trainer.result();
    assertTrue(trainer.done());
    assertEquals(new KafkaTrainer.Result(2, 2, 32, 0, SAMPLES * 2L - 32, 0), result);
    Checkpoint last = new CheckpointDirectory(dir, 2).latest(m -> {}).orElseThrow();
    assertEquals(
        SAMPLES, last.requireLong("handled.1"), "the final checkpoint covers the dropped tail");
    assertEquals(SAMPLES * 2L - 32, last.requireLong("stale"));
    try (Admin admin = run.admin()) {
      assertEquals(
          GroupOffsets.endOffsets(admin, run.topics.trainAdversarial()),
          GroupOffsets.committed(admin, run.group(), run.topics.trainAdversarial()));
    }

    // a trainer on a finished run's checkpoints has nothing left to do
    KafkaTrainer again = run.trainer(split, dir, new KafkaTrainer.Listener() {});
    close(again.run());
    assertEquals(result, again.result());
  }

  @Test
  void trainPolicyCountsEachStaleRecordOnceWhileRecordsTrickleIn() throws Exception {
    Run run = new Run(config("igd.trainer.max-staleness = 0"));
    TrainingSplit split = TrainingSplit.read(run.kafka, run.topics.samples(), READY);
    KafkaTrainer trainer = run.trainer(split, dir, new KafkaTrainer.Listener() {});
    CompletableFuture<Classifier> running = CompletableFuture.supplyAsync(trainer::run);
    try (KafkaProducer<byte[], byte[]> producer = run.producer()) {
      // augment working alongside. First a batch's worth of records that holds one duplicate, so
      // the trainer must poll for more although it has 16 records pending.
      for (int i = 0; i < 15; i++) {
        run.send(producer, sample(i, 0, 0));
      }
      run.send(producer, sample(0, 0, 0));
      Thread.sleep(500);
      // then the rest in small groups: batches come up short and are put back while it arrives
      for (int e = 0; e < 2; e++) {
        for (int i = e == 0 ? 15 : 0; i < SAMPLES; i++) {
          run.send(producer, sample(i, e, 0));
          if (i % 6 == 5) {
            Thread.sleep(60);
          }
        }
      }
    }
    close(running.get(120, TimeUnit.SECONDS));
    KafkaTrainer.Result result = trainer.result();
    assertEquals(SAMPLES * 2L, result.trained());
    assertEquals(1, result.duplicates());
    assertEquals(6, result.steps());
    assertEquals(
        SAMPLES * 2L - 32,
        result.stale(),
        "records trained at trainer v1 and later, each counted once");
  }

  // ---------------------------------------------------------------------------------------------

  /** One topic prefix with its six topics, its samples and clients. */
  final class Run {
    final Config config;
    final KafkaSettings kafka;
    final TopicNames topics;

    Run(Config config) throws Exception {
      this.config = config;
      this.kafka = KafkaSettings.fromConfig(config).withBootstrapServers(broker.bootstrapServers());
      this.topics = new TopicNames("trainer-test-" + PREFIXES.incrementAndGet());
      TopicAdmin.ensure(
          broker.bootstrapServers(), TopicsSettings.fromConfig(config).specs(topics), READY);
      try (KafkaProducer<byte[], byte[]> producer = producer()) {
        for (int i = 0; i < SAMPLES + TEST_SAMPLES; i++) {
          boolean train = i < SAMPLES;
          Random r = new Random(i);
          ImageSample s =
              ImageSample.newBuilder()
                  .setId(train ? id(i) : "test-" + i)
                  .setSplit(train ? Split.TRAIN : Split.TEST)
                  .setLabel(r.nextInt(CLASSES))
                  .setClasses(CLASSES)
                  .setImage(Tensors.of(uniform(r), SHAPE))
                  .setDataset("random")
                  .build();
          await(
              producer.send(
                  new ProducerRecord<>(topics.samples(), key(s.getId()), IMAGES.encode(s))));
        }
      }
    }

    String group() {
      return topics.prefix() + "." + TrainerSettings.fromConfig(config).group();
    }

    KafkaProducer<byte[], byte[]> producer() {
      return new KafkaProducer<>(kafka.producerProperties());
    }

    Admin admin() {
      return Admin.create(
          Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    RecordMetadata send(KafkaProducer<byte[], byte[]> producer, AdversarialSample s)
        throws Exception {
      return sendRaw(producer, s.getSampleId(), ADVERSARIAL.encode(s));
    }

    RecordMetadata sendRaw(KafkaProducer<byte[], byte[]> producer, String key, byte[] value)
        throws Exception {
      return await(producer.send(new ProducerRecord<>(topics.trainAdversarial(), key(key), value)));
    }

    KafkaTrainer trainer(TrainingSplit split, Path checkpointDir, KafkaTrainer.Listener listener) {
      TrainerSettings settings = TrainerSettings.fromConfig(config);
      return new KafkaTrainer(
          settings,
          TrainSettings.fromConfig(config),
          kafka,
          topics,
          Architecture.of("small-cnn"),
          split,
          new CheckpointDirectory(checkpointDir, settings.keepCheckpoints()),
          new TrainerMetrics(new PrometheusRegistry()),
          listener);
    }
  }

  static Config config(String overrides) {
    return ConfigFactory.parseString(
            String.join(
                "\n",
                "igd.train.batch-size = 16",
                "igd.train.epochs = 2",
                "igd.train.seed = 7",
                "igd.trainer.snapshot-every = 2",
                "igd.trainer.checkpoint-every = 2",
                "igd.trainer.poll-timeout = 50 ms",
                overrides))
        .withFallback(ConfigFactory.load());
  }

  /**
   * What augment would make of sample {@code i} in {@code epoch} against snapshot {@code version}.
   */
  static AdversarialSample sample(int i, int epoch, long version) {
    Random r = new Random(i * 1000L + epoch);
    Random labels = new Random(i); // the label of sample i, as in {ns}.samples
    float[] x = uniform(r);
    float[] xAdv = new float[PIXELS];
    float[] g = new float[PIXELS];
    for (int k = 0; k < PIXELS; k++) {
      xAdv[k] = Math.min(1f, Math.max(0f, x[k] + (r.nextBoolean() ? 0.1f : -0.1f)));
      g[k] = (float) r.nextGaussian();
    }
    return AdversarialSample.newBuilder()
        .setSampleId(id(i))
        .setEpoch(epoch)
        .setLabel(labels.nextInt(CLASSES))
        .setClasses(CLASSES)
        .setX(Tensors.of(x, SHAPE))
        .setXAdv(Tensors.of(xAdv, SHAPE))
        .setTeacherGradient(Tensors.of(g, SHAPE))
        .setSnapshotVersion(version)
        .setModelId(MODEL_ID)
        .setAttack(
            AttackSettings.newBuilder()
                .setName("pgd")
                .setEps(0.1f)
                .setAlpha(0.025f)
                .setSteps(10)
                .setRandomStart(true)
                .build())
        .setSeed(i * 31L + epoch)
        .build();
  }

  static String id(int i) {
    return String.format("train-%06d", i);
  }

  static float[] uniform(Random r) {
    float[] v = new float[PIXELS];
    for (int k = 0; k < PIXELS; k++) {
      v[k] = r.nextFloat();
    }
    return v;
  }

  static byte[] key(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static RecordMetadata await(java.util.concurrent.Future<RecordMetadata> sent) throws Exception {
    try {
      return sent.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("send failed: " + e.getCause(), e.getCause());
    }
  }

  static List<AssembledSnapshot> accept(SnapshotAssembler assembler, byte[] value) {
    try {
      return assembler.accept(HEADERS.decode(value)).stream().toList();
    } catch (RecordDecodingException notAHeader) {
      if (notAHeader.reason() != ReasonCode.UNKNOWN_SCHEMA) {
        throw notAHeader;
      }
      return assembler.accept(CHUNKS.decode(value)).stream().toList();
    }
  }

  static byte[] bytes(java.nio.ByteBuffer buffer) {
    java.nio.ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  static LinkedHashMap<String, TensorData> stateDict(Classifier model) {
    return GradientThread.shared().call(model::stateDict);
  }

  static void close(Classifier model) {
    GradientThread.shared()
        .call(
            () -> {
              model.close();
              return null;
            });
  }

  static double maxAbsDiff(Map<String, TensorData> a, Map<String, TensorData> b) {
    assertEquals(a.keySet(), b.keySet());
    double max = 0;
    for (String name : a.keySet()) {
      float[] x = floats(a.get(name));
      float[] y = floats(b.get(name));
      assertEquals(x.length, y.length, name);
      for (int i = 0; i < x.length; i++) {
        max = Math.max(max, Math.abs((double) x[i] - y[i]));
      }
    }
    return max;
  }

  /**
   * Equal names, dtypes and shapes; bytes equal when {@code tolerance} is 0, else values within it.
   */
  static void assertSameWeights(
      Map<String, TensorData> expected, Map<String, TensorData> actual, double tolerance) {
    assertEquals(expected.keySet(), actual.keySet());
    for (String name : expected.keySet()) {
      TensorData e = expected.get(name);
      TensorData a = actual.get(name);
      assertEquals(e.dtype(), a.dtype(), name);
      assertArrayEquals(e.shape(), a.shape(), name);
      if (tolerance == 0) {
        assertTrue(Arrays.equals(e.data(), a.data()), "weights of " + name + " differ");
      }
    }
    if (tolerance > 0) {
      double diff = maxAbsDiff(expected, actual);
      assertTrue(diff <= tolerance, "max abs weight difference " + diff + " > " + tolerance);
    }
  }

  static float[] floats(TensorData t) {
    assertEquals("F32", t.dtype());
    float[] v = new float[t.data().length / 4];
    java.nio.ByteBuffer.wrap(t.data())
        .order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer()
        .get(v);
    return v;
  }
}
