package io.igdstream.streams.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.igdstream.core.corruption.ConstantSet;
import io.igdstream.core.corruption.Corruption;
import io.igdstream.core.corruption.Corruptions;
import io.igdstream.core.data.Dataset;
import io.igdstream.core.eval.SuiteTest;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import io.igdstream.core.model.ModelSpec;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.ChunkedSnapshot;
import io.igdstream.schemas.CorruptedSample;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.RobustnessReport;
import io.igdstream.schemas.SnapshotChunk;
import io.igdstream.schemas.SnapshotChunks;
import io.igdstream.schemas.SnapshotHeader;
import io.igdstream.schemas.SnapshotInfo;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.Tensors;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.schemas.kafka.TopicScan;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import io.igdstream.streams.kafka.TopicAdmin;
import io.igdstream.streams.kafka.TopicsSettings;
import io.igdstream.streams.metrics.StreamMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.testkit.javadsl.StreamTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluator against the in-process broker: test split and corrupted images from Kafka,
 * snapshots split into chunks as the trainer publishes them, reports on the compacted topic.
 */
@Tag("broker")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EvaluatorStreamTest {

  static final Duration READY = Duration.ofSeconds(30);
  static final String MODEL = "igd-test";
  static final ModelSpec SPEC = new ModelSpec(1, 28, 28, 10);
  static final int TEST_IMAGES = 60;
  static final int LIMIT = 50;

  @TempDir static Path dir;
  static EmbeddedKafkaBroker broker;
  static ActorSystem system;
  static KafkaSettings kafka;
  static Config config;

  @BeforeAll
  static void start() throws IOException {
    broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0);
    config = ConfigFactory.load();
    kafka = KafkaSettings.fromConfig(config).withBootstrapServers(broker.bootstrapServers());
    system = ActorSystem.create("evaluate-test");
  }

  @AfterAll
  static void stop() throws Exception {
    if (system != null) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void reportsEachSelectedSnapshotOnceUnderItsModelAndVersion() throws Exception {
    TopicNames topics = topics("reports");
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties())) {
      produceSamples(producer, topics);
      produceCorrupted(producer, topics, List.of("test-000", "test-001", "test-002"));
    }
    EvaluateSettings settings =
        EvaluateSettings.fromConfig(config)
            .withTestLimit(LIMIT)
            .withTests(
                EnumSet.of(SuiteTest.CLEAN, SuiteTest.PGD),
                EnumSet.of(SuiteTest.CLEAN, SuiteTest.PGD, SuiteTest.CORRUPTIONS));
    PrometheusRegistry registry = new PrometheusRegistry();
    List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.function.Consumer<String> lines =
        line -> {
          log.add(line);
          System.out.println(line);
        };
    EvaluatorStream stage =
        EvaluatorStream.start(
            system,
            kafka,
            topics,
            MODEL,
            settings.withEvery(1),
            settings.attack(config),
            new StreamMetrics(registry),
            new EvaluationMetrics(registry),
            lines);

    CompletableFuture<Evaluation> first = stage.report(0);
    publishSnapshot(topics, 0, 1, false);
    Evaluation v0 = first.get(60, TimeUnit.SECONDS);
    CompletableFuture<Evaluation> last = stage.report(1);
    publishSnapshot(topics, 1, 2, true);
    Evaluation v1 = last.get(60, TimeUnit.SECONDS);

    assertEquals(0, v0.result().snapshotVersion());
    assertEquals(1, v1.result().snapshotVersion());
    assertFalse(v0.isFinal());
    assertTrue(v1.isFinal());
    assertEquals(LIMIT, v0.report().samples(), "the first test-limit test images by id");
    assertTrue(v0.result().corruptions().isEmpty(), "periodic tests: no corruptions");
    assertEquals(v1, stage.latest().orElseThrow());
    if (v1.report().jointCorrect() > 0) {
      assertEquals(9, v1.result().corruptions().size(), "final tests include the corruptions");
      assertTrue(
          v1.corruptedFallbacks() > 0, "most variants are not on the topic and are computed");
    }
    stage.stop().toCompletableFuture().get(30, TimeUnit.SECONDS);
    StreamTestKit.assertAllStagesStopped(system);

    Map<String, List<RobustnessReport>> reports = reports(topics);
    assertEquals(Set.of(MODEL + "/0", MODEL + "/1"), reports.keySet());
    for (var e : reports.entrySet()) {
      assertEquals(1, e.getValue().size(), "one report of " + e.getKey());
      RobustnessReport r = e.getValue().get(0);
      assertEquals(MODEL + "/" + r.getSnapshotVersion(), e.getKey());
      assertEquals(MODEL, r.getModelId());
      assertEquals("small-cnn", r.getArchitecture());
      assertTrue(
          r.getCleanAccuracy() >= 0 && r.getCleanAccuracy() <= 1,
          "clean accuracy " + r.getCleanAccuracy());
      assertNotNull(r.getPgd20Accuracy());
      assertTrue(
          r.getPgd20Accuracy() >= 0 && r.getPgd20Accuracy() <= r.getCleanAccuracy(),
          "robust <= clean");
      assertEquals(20, r.getPgdSteps());
    }
    assertEquals(
        v1.result().cleanAccuracy(),
        gauge(registry, "igd_eval_clean_accuracy_ratio", "model_id", MODEL));
    assertEquals(1.0, gauge(registry, "igd_eval_snapshot_version", "model_id", MODEL));

    // a restarted evaluator finds v1's report in the topic and does not evaluate it again
    PrometheusRegistry again = new PrometheusRegistry();
    EvaluatorStream restarted =
        EvaluatorStream.start(
            system,
            kafka,
            topics,
            MODEL,
            settings,
            settings.attack(config),
            new StreamMetrics(again),
            new EvaluationMetrics(again),
            lines);
    Evaluation replay = restarted.report(1).get(60, TimeUnit.SECONDS);
    assertEquals(
        v1.result().cleanAccuracy(),
        replay.result().cleanAccuracy(),
        "the stored report stands in");
    assertEquals(v1.result().pgd20Accuracy(), replay.result().pgd20Accuracy());
    assertEquals(
        v1.result().cleanAccuracy(),
        gauge(again, "igd_eval_clean_accuracy_ratio", "model_id", MODEL),
        "the restarted evaluator's gauges show the stored report");
    restarted.stop().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertTrue(log.stream().noneMatch(l -> l.contains("failed")), "no evaluation failed: " + log);
    StreamTestKit.assertAllStagesStopped(system);
    Map<String, List<RobustnessReport>> after = reports(topics);
    assertEquals(Set.of(MODEL + "/0", MODEL + "/1"), after.keySet(), "a restart adds no key");
    assertEquals(1, after.get(MODEL + "/1").size(), "v1 was not written again");
    assertTrue(
        log.stream().anyMatch(l -> l.contains("v1 (final) was reported before this start")),
        "said so: " + log);
  }

  @Test
  void testSetKeepsTheFirstTestSamplesByIdAndComputesMissingCorruptions() throws Exception {
    TopicNames topics = topics("testset");
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties())) {
      produceSamples(producer, topics);
      produceCorrupted(producer, topics, List.of("test-001"));
    }
    TestSet set = TestSet.load(kafka, topics.samples(), SPEC, LIMIT, READY);
    Dataset d = set.dataset();
    assertEquals(LIMIT, d.size());
    assertEquals("test-000", set.ids().get(0));
    assertEquals(String.format("test-%03d", LIMIT - 1), set.ids().get(LIMIT - 1));
    assertEquals(1, set.skipped(), "the sample with a pixel outside [0, 1]");
    assertEquals(7, d.labels()[7]);
    assertEquals("fixture", d.name());
    float[] expected = image(7);
    float[] actual = new float[d.imageSize()];
    d.copyImage(7, actual, 0);
    for (int i = 0; i < actual.length; i++) {
      assertEquals(expected[i], actual[i], 0.5f / 255 + 1e-6f);
    }

    StoredCorruptions images = StoredCorruptions.load(kafka, topics.testCorrupted(), set, 0, READY);
    assertEquals(5, images.stored(), "gaussian_noise 1-5 of test-001");
    assertEquals(1, images.skipped(), "the variant with severity 9");
    assertFalse(images.complete());
    Corruption noise = Corruptions.byName("gaussian_noise", ConstantSet.forImageSize(28, 28));
    float[] src = new float[d.imageSize()];
    float[] dst = new float[d.imageSize()];
    d.copyImage(1, src, 0);
    images.fill(noise, 3, 1, src, 0, dst, 0, 1, 28, 28);
    assertEquals(0, images.fallbacks());
    float[] stored = corrupted(3);
    for (int i = 0; i < dst.length; i++) {
      assertEquals(stored[i], dst[i], 0.5f / 255 + 1e-6f);
    }
    d.copyImage(2, src, 0);
    images.fill(noise, 3, 2, src, 0, dst, 0, 1, 28, 28);
    assertEquals(1, images.fallbacks(), "test-002 has no stored variant");
  }

  private static TopicNames topics(String prefix) throws InterruptedException {
    TopicNames topics = new TopicNames(prefix);
    TopicAdmin.ensure(broker.bootstrapServers(), TopicsSettings.load().specs(topics), READY);
    return topics;
  }

  /** Random images in [0, 1] (a random model gets about one in ten right). */
  private static float[] image(int i) {
    SplittableRandom random = new SplittableRandom(i);
    float[] x = new float[SPEC.imageSize()];
    for (int p = 0; p < x.length; p++) {
      x[p] = (float) random.nextDouble();
    }
    return x;
  }

  /** 60 TEST samples, label = index mod 10, one invalid TEST sample, five TRAIN samples. */
  private static void produceSamples(KafkaProducer<byte[], byte[]> producer, TopicNames topics)
      throws Exception {
    AvroCodec<ImageSample> codec = AvroCodec.of(ImageSample.class);
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    for (int i = TEST_IMAGES - 1; i >= 0; i--) { // out of order: the set sorts by id
      sent.add(
          send(
              producer,
              topics.samples(),
              String.format("test-%03d", i),
              codec.encode(sample(String.format("test-%03d", i), Split.TEST, i % 10, image(i)))));
    }
    float[] bad = image(99);
    bad[5] = 2f;
    sent.add(
        send(
            producer,
            topics.samples(),
            "test-bad",
            codec.encode(sample("test-bad", Split.TEST, 0, bad))));
    for (int i = 0; i < 5; i++) {
      sent.add(
          send(
              producer,
              topics.samples(),
              "train-" + i,
              codec.encode(sample("train-" + i, Split.TRAIN, i, image(1000 + i)))));
    }
    await(producer, sent);
  }

  private static ImageSample sample(String id, Split split, int label, float[] image) {
    return ImageSample.newBuilder()
        .setId(id)
        .setSplit(split)
        .setLabel(label)
        .setClasses(SPEC.classes())
        .setImage(Tensors.of(image, 1, 28, 28))
        .setDataset("fixture")
        .build();
  }

  /** A stand-in for the corrupt stage's output: a distinct flat image per severity, 8-bit exact. */
  private static float[] corrupted(int severity) {
    float[] x = new float[SPEC.imageSize()];
    Arrays.fill(x, severity * 40 / 255f);
    return x;
  }

  /** gaussian_noise at severities 1-5 of each id, plus one record with severity 9. */
  private static void produceCorrupted(
      KafkaProducer<byte[], byte[]> producer, TopicNames topics, List<String> ids)
      throws Exception {
    AvroCodec<CorruptedSample> codec = AvroCodec.of(CorruptedSample.class);
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    for (String id : ids) {
      int label = Integer.parseInt(id.substring(5)) % 10;
      for (int severity : List.of(1, 2, 3, 4, 5, 9)) {
        CorruptedSample s =
            CorruptedSample.newBuilder()
                .setSourceId(id)
                .setCorruption("gaussian_noise")
                .setSeverity(severity)
                .setLabel(label)
                .setClasses(SPEC.classes())
                .setImage(Tensors.of(corrupted(Math.min(severity, 5)), 1, 28, 28))
                .setSeed(0)
                .build();
        sent.add(
            send(
                producer,
                topics.testCorrupted(),
                id + "/gaussian_noise/" + severity,
                codec.encode(s)));
      }
    }
    await(producer, sent);
  }

  /**
   * A small-cnn with weights from {@code seed}, as chunks then header on partition 0, like the
   * trainer.
   */
  private static void publishSnapshot(TopicNames topics, long version, long seed, boolean last)
      throws Exception {
    byte[] payload =
        GradientThread.shared()
            .call(
                () -> {
                  try (Classifier model =
                      Classifier.create(Architecture.of("small-cnn"), SPEC, seed)) {
                    return model.toModelFile(Map.of()).encode();
                  }
                });
    Map<String, String> facts = Map.of("method", "nat", "final", Boolean.toString(last));
    ChunkedSnapshot snapshot =
        SnapshotChunks.split(
            payload,
            64 << 10,
            new SnapshotInfo(
                MODEL,
                version,
                "small-cnn",
                SPEC.channels(),
                SPEC.height(),
                SPEC.width(),
                SPEC.classes(),
                System.currentTimeMillis(),
                facts));
    byte[] key = MODEL.getBytes(StandardCharsets.UTF_8);
    AvroCodec<SnapshotChunk> chunks = AvroCodec.of(SnapshotChunk.class);
    AvroCodec<SnapshotHeader> headers = AvroCodec.of(SnapshotHeader.class);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties())) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (SnapshotChunk chunk : snapshot.chunks()) {
        sent.add(
            producer.send(new ProducerRecord<>(topics.snapshots(), 0, key, chunks.encode(chunk))));
      }
      sent.add(
          producer.send(
              new ProducerRecord<>(topics.snapshots(), 0, key, headers.encode(snapshot.header()))));
      await(producer, sent);
    }
  }

  private static Future<RecordMetadata> send(
      KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value) {
    return producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value));
  }

  private static void await(
      KafkaProducer<byte[], byte[]> producer, List<Future<RecordMetadata>> sent)
      throws InterruptedException, ExecutionException, TimeoutException {
    producer.flush();
    for (Future<RecordMetadata> f : sent) {
      f.get(30, TimeUnit.SECONDS);
    }
  }

  /** Every record of the reports topic, by key, in offset order. */
  private static Map<String, List<RobustnessReport>> reports(TopicNames topics) {
    AvroCodec<RobustnessReport> codec = AvroCodec.of(RobustnessReport.class);
    Map<String, List<RobustnessReport>> byKey = new TreeMap<>();
    TopicScan.scan(
        kafka,
        topics.reports(),
        READY,
        r ->
            byKey
                .computeIfAbsent(
                    new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                .add(codec.decode(r.value())));
    return byKey;
  }

  private static double gauge(PrometheusRegistry registry, String name, String... labels) {
    Labels wanted = Labels.of(labels);
    return registry.scrape().stream()
        .filter(s -> s.getMetadata().getName().equals(name))
        .flatMap(s -> s.getDataPoints().stream())
        .filter(p -> p.getLabels().equals(wanted))
        .map(p -> ((GaugeSnapshot.GaugeDataPointSnapshot) p).getValue())
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " has no series " + List.of(labels)));
  }
}
