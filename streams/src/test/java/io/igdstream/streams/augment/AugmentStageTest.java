package io.igdstream.streams.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.igdstream.core.attack.PgdSettings;
import io.igdstream.core.data.Augmentation;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.train.TrainSettings;
import io.igdstream.schemas.AdversarialSample;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.DeadLetter;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.ReasonCode;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.Tensors;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.DeadLetterRecords;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.PekkoSystems;
import io.igdstream.streams.StreamFixtures;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import io.igdstream.streams.kafka.GroupOffsets;
import io.igdstream.streams.metrics.StreamMetrics;
import io.igdstream.streams.snapshot.SnapshotFollower;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.pekko.actor.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The augment worker against the in-process broker: epochs, dead letters, backpressure, scale-out.
 */
@Tag("broker")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AugmentStageTest {

  private static final String MODEL = "student";
  private static final AvroCodec<AdversarialSample> ADVERSARIAL =
      AvroCodec.of(AdversarialSample.class);

  @TempDir static Path dir;
  static EmbeddedKafkaBroker broker;
  static ActorSystem system;
  static Classifier teacher;
  static Classifier student;

  @BeforeAll
  static void start() throws Exception {
    broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0);
    system = PekkoSystems.create("augment-test", ConfigFactory.load());
    teacher = StreamFixtures.model(1);
    student = StreamFixtures.model(2);
  }

  @AfterAll
  static void stop() throws Exception {
    if (teacher != null) {
      StreamFixtures.close(teacher);
      StreamFixtures.close(student);
    }
    if (system != null) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    if (broker != null) {
      broker.close();
    }
  }

  private static AugmentSettings settings(int epochs, int batch, long maxLag) {
    var config =
        ConfigFactory.parseString(
                "igd.train.epochs = "
                    + epochs
                    + ", igd.augment.batch-size = "
                    + batch
                    + ", igd.augment.max-lag = "
                    + maxLag
                    + ", igd.augment.poll-interval = 100 ms, igd.attack.train-steps = 3")
            .withFallback(ConfigFactory.load());
    return AugmentSettings.fromConfig(config);
  }

  private static AdversarialExamples examples(AugmentSettings s) {
    TrainSettings t = s.train();
    PgdSettings pgd = t.attack(1, t.attackConfig().trainSteps());
    return new AdversarialExamples(teacher, pgd, t.igd(), Augmentation.NONE, t.seed(), MODEL);
  }

  /** Topics of a fresh prefix with {@code train} training and 3 test samples, and snapshot v0. */
  private static TopicNames prepare(String prefix, int train, List<byte[][]> extra)
      throws Exception {
    TopicNames topics = StreamFixtures.topics(broker.bootstrapServers(), prefix, "");
    KafkaSettings kafka = StreamFixtures.kafka(broker.bootstrapServers());
    List<byte[][]> records = new ArrayList<>();
    for (int i = 0; i < train; i++) {
      records.add(StreamFixtures.record(StreamFixtures.sample("train-" + i, Split.TRAIN, i)));
    }
    for (int i = 0; i < 3; i++) {
      records.add(StreamFixtures.record(StreamFixtures.sample("test-" + i, Split.TEST, 1000 + i)));
    }
    records.addAll(extra);
    StreamFixtures.produce(kafka, topics.samples(), records);
    StreamFixtures.publishSnapshot(kafka, topics, MODEL, student, 0, Map.of());
    return topics;
  }

  private static AugmentStage start(
      TopicNames topics, AugmentSettings s, SnapshotFollower follower, StreamMetrics metrics) {
    return AugmentStage.start(
        system,
        StreamFixtures.kafka(broker.bootstrapServers()),
        topics,
        s,
        examples(s),
        follower,
        metrics,
        new int[] {1, 28, 28},
        10,
        m -> {});
  }

  @Test
  void everyTrainingSampleReachesTheTopicOncePerEpochAndBadRecordsTheDeadLetterTopic()
      throws Exception {
    ImageSample nan = StreamFixtures.sample("train-nan", Split.TRAIN, 77);
    float[] pixels = Tensors.floats(nan.getImage());
    pixels[5] = Float.NaN;
    nan.setImage(Tensors.of(pixels, 1, 28, 28));
    byte[] unknownWriter =
        StreamFixtures.SAMPLES.encode(StreamFixtures.sample("train-x", Split.TRAIN, 78));
    for (int i = 2; i < 10; i++) {
      unknownWriter[i] ^= (byte) 0xA5; // a fingerprint no shipped schema has: a newer writer
    }
    List<byte[][]> bad =
        List.of(
            new byte[][] {
              "junk".getBytes(StandardCharsets.UTF_8),
              new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
            },
            StreamFixtures.record(nan),
            new byte[][] {"train-x".getBytes(StandardCharsets.UTF_8), unknownWriter});
    TopicNames topics = prepare("augment-epochs", 40, bad);
    KafkaSettings kafka = StreamFixtures.kafka(broker.bootstrapServers());
    StreamMetrics metrics = new StreamMetrics(new PrometheusRegistry());
    AugmentSettings s = settings(2, 16, 1_000_000);
    try (SnapshotFollower follower =
        SnapshotFollower.start(kafka, topics, MODEL, "augment", metrics)) {
      AugmentStage stage = start(topics, s, follower, metrics);
      stage.done().toCompletableFuture().get(150, TimeUnit.SECONDS);
    }
    Map<Integer, List<String>> byEpoch = new HashMap<>();
    PgdSettings pgd = s.train().attack(1, s.train().attackConfig().trainSteps());
    for (ConsumerRecord<byte[], byte[]> r :
        StreamFixtures.readAll(kafka, topics.trainAdversarial())) {
      AdversarialSample a = ADVERSARIAL.decode(r.value());
      byEpoch.computeIfAbsent(a.getEpoch(), e -> new ArrayList<>()).add(a.getSampleId().toString());
      float[] x = Tensors.floats(a.getX());
      float[] xAdv = Tensors.floats(a.getXAdv());
      for (int i = 0; i < x.length; i++) {
        assertTrue(xAdv[i] >= 0 && xAdv[i] <= 1, "x_adv in [0, 1]");
        assertTrue(Math.abs(xAdv[i] - x[i]) <= pgd.eps() + 1e-6, "x_adv within eps of x");
      }
      assertEquals(0, a.getSnapshotVersion());
    }
    assertEquals(Set.of(0, 1), byEpoch.keySet());
    for (List<String> ids : byEpoch.values()) {
      Set<String> distinct = new HashSet<>(ids);
      assertEquals(40, distinct.size(), "every training sample, and no test sample, in each epoch");
      System.out.printf(
          "augment epoch: %d records, %d duplicates%n", ids.size(), ids.size() - distinct.size());
    }
    List<ReasonCode> reasons = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : StreamFixtures.readAll(kafka, topics.dlq())) {
      DeadLetter d = DeadLetterRecords.decode(r.value());
      assertEquals(topics.samples(), d.getSourceTopic().toString());
      reasons.add(d.getReasonCode());
    }
    // each bad record is dead-lettered once per epoch pass that reads it
    assertEquals(6, reasons.size(), reasons.toString());
    assertTrue(
        reasons.contains(ReasonCode.UNDECODABLE)
            && reasons.contains(ReasonCode.NON_FINITE)
            && reasons.contains(ReasonCode.UNKNOWN_SCHEMA),
        reasons.toString());
    assertEquals(6, metrics.deadLetters("augment"));
  }

  @Test
  void pausesAtTheTrainersLagBoundAndResumesWhenTheTrainerCatchesUp() throws Exception {
    TopicNames topics = prepare("augment-backpressure", 96, List.of());
    KafkaSettings kafka = StreamFixtures.kafka(broker.bootstrapServers());
    StreamMetrics metrics = new StreamMetrics(new PrometheusRegistry());
    AugmentSettings s = settings(1, 8, 16);
    try (SnapshotFollower follower =
            SnapshotFollower.start(kafka, topics, MODEL, "augment", metrics);
        Admin admin =
            Admin.create(Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers()))) {
      AugmentStage stage = start(topics, s, follower, metrics);
      long produced = waitUntilSteady(stage);
      System.out.printf("backpressure: paused after %d records (bound 16, batch 8)%n", produced);
      // the gate closes at the bound; one batch being attacked and one in the producer may still
      // land
      assertTrue(produced >= 16 && produced <= 16 + 2 * 8, "stops at the bound: " + produced);
      Thread.sleep(2000);
      assertEquals(
          produced, stage.status().produced(), "stays paused while the trainer does not consume");
      // the "trainer" consumes everything: commit its group at the end offsets
      keepTrainerCaughtUp(admin, topics, s, stage);
      stage.done().toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertEquals(96, stage.status().produced() - 0, "all produced once the trainer caught up");
    }
  }

  @Test
  void twoWorkersInOneGroupSplitThePartitionsAndTogetherCoverEverySample() throws Exception {
    TopicNames topics = prepare("augment-scaleout", 128, List.of());
    KafkaSettings kafka = StreamFixtures.kafka(broker.bootstrapServers());
    StreamMetrics metrics = new StreamMetrics(new PrometheusRegistry());
    // a small lag bound holds the first worker back until the second has joined the group
    AugmentSettings s = settings(1, 8, 16);
    try (SnapshotFollower follower =
            SnapshotFollower.start(kafka, topics, MODEL, "augment", metrics);
        Admin admin =
            Admin.create(Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers()))) {
      AugmentStage a = start(topics, s, follower, metrics);
      waitUntilSteady(a);
      AugmentStage b = start(topics, s, follower, metrics);
      Thread.sleep(5000); // the group rebalances onto both workers
      keepTrainerCaughtUp(admin, topics, s, a, b);
      a.done().toCompletableFuture().get(60, TimeUnit.SECONDS);
      b.done().toCompletableFuture().get(60, TimeUnit.SECONDS);
      System.out.printf(
          "scale-out: worker a %d, worker b %d records%n",
          a.status().produced(), b.status().produced());
      assertTrue(
          a.status().produced() > 0 && b.status().produced() > 0, "both workers had partitions");
    }
    Map<String, Integer> ids = new HashMap<>();
    StreamFixtures.readAll(kafka, topics.trainAdversarial())
        .forEach(
            r ->
                ids.merge(ADVERSARIAL.decode(r.value()).getSampleId().toString(), 1, Integer::sum));
    assertEquals(128, ids.size(), "every sample");
    System.out.printf(
        "scale-out: %d duplicates (at-least-once across the rebalance)%n",
        ids.values().stream().mapToInt(v -> v - 1).sum());
  }

  /** Plays the trainer: commits its group at the end offsets until the workers finish. */
  private static void keepTrainerCaughtUp(
      Admin admin, TopicNames topics, AugmentSettings s, AugmentStage... stages) throws Exception {
    String trainerGroup = topics.prefix() + "." + s.trainerGroup();
    for (int round = 0; round < 120; round++) {
      boolean all = true;
      for (AugmentStage st : stages) {
        all &= st.done().toCompletableFuture().isDone();
      }
      if (all) {
        return;
      }
      Map<TopicPartition, OffsetAndMetadata> end = new HashMap<>();
      GroupOffsets.endOffsets(admin, topics.trainAdversarial())
          .forEach((tp, o) -> end.put(tp, new OffsetAndMetadata(o)));
      admin.alterConsumerGroupOffsets(trainerGroup, end).all().get(10, TimeUnit.SECONDS);
      Thread.sleep(500);
    }
  }

  private static long waitUntilSteady(AugmentStage stage) throws InterruptedException {
    long last = -1;
    int steady = 0;
    while (steady < 15) {
      Thread.sleep(200);
      long now = stage.status().produced();
      steady = now == last && now > 0 ? steady + 1 : 0;
      last = now;
    }
    return last;
  }
}
