package io.igdstream.streams.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.igdstream.core.data.Augmentation;
import io.igdstream.core.model.Classifier;
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
import io.igdstream.streams.metrics.StreamMetrics;
import io.igdstream.streams.snapshot.SnapshotFollower;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.ActorSystem;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10,000 malformed records of eight kinds interleaved with valid ones on {@code NS.samples}: every
 * bad record lands in {@code NS.dlq} with its reason, the dead-letter counter equals the number
 * sent, every valid sample is made into an adversarial record, and the stream never restarts.
 */
@Tag("broker")
@Tag("slow")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class AugmentDeadLetterFloodTest {

  private static final int VALID = 200;
  private static final int PER_KIND = 1250;

  @TempDir Path dir;

  @Test
  void everyBadRecordIsDeadLetteredWithItsReasonAndEveryValidOneIsProcessed() throws Exception {
    List<Kind> kinds = badRecordKinds();
    List<byte[][]> records = new ArrayList<>();
    for (int i = 0; i < VALID; i++) {
      records.add(StreamFixtures.record(StreamFixtures.sample("train-" + i, Split.TRAIN, i)));
    }
    for (Kind kind : kinds) {
      for (int i = 0; i < PER_KIND; i++) {
        records.add(new byte[][] {(kind.name() + "-" + i).getBytes(StandardCharsets.UTF_8), kind.make().apply(i)});
      }
    }
    Collections.shuffle(records, new Random(7)); // interleaved

    StreamMetrics metrics = new StreamMetrics(new PrometheusRegistry());
    List<String> log = new CopyOnWriteArrayList<>();
    ActorSystem system = PekkoSystems.create("flood-test", ConfigFactory.load());
    Classifier teacher = StreamFixtures.model(1);
    Classifier student = StreamFixtures.model(2);
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0)) {
      KafkaSettings kafka = StreamFixtures.kafka(broker.bootstrapServers());
      TopicNames topics = StreamFixtures.topics(broker.bootstrapServers(), "flood", "");
      StreamFixtures.produce(kafka, topics.samples(), records);
      StreamFixtures.publishSnapshot(kafka, topics, "student", student, 0, Map.of());
      AugmentSettings s = AugmentSettings.fromConfig(ConfigFactory.parseString(
              "igd.train.epochs = 1, igd.augment.max-lag = 1000000000, igd.attack.train-steps = 1")
          .withFallback(ConfigFactory.load()));
      var t = s.train();
      AdversarialExamples examples = new AdversarialExamples(teacher, t.attack(1, 1), t.igd(), Augmentation.NONE, 0, "student");
      try (SnapshotFollower follower = SnapshotFollower.start(kafka, topics, "student", "augment", metrics)) {
        AugmentStage stage = AugmentStage.start(system, kafka, topics, s, examples, follower, metrics,
            new int[] {1, 28, 28}, 10, log::add);
        stage.done().toCompletableFuture().get(240, TimeUnit.SECONDS);
      }

      Map<String, Integer> byKind = new java.util.TreeMap<>();
      for (var r : StreamFixtures.readAll(kafka, topics.dlq())) {
        DeadLetter d = DeadLetterRecords.decode(r.value());
        String key = new String(r.key(), StandardCharsets.UTF_8);
        Kind kind = kinds.stream().filter(k -> key.startsWith(k.name() + "-")).findFirst().orElseThrow();
        assertEquals(kind.reason(), d.getReasonCode(), key + ": " + d.getReason());
        byKind.merge(kind.name(), 1, Integer::sum);
      }
      System.out.println("dead letters by kind: " + byKind);
      for (Kind kind : kinds) {
        assertEquals(PER_KIND, byKind.getOrDefault(kind.name(), 0), kind.name());
      }
      assertEquals(10_000, kinds.size() * PER_KIND);
      assertEquals(10_000, metrics.deadLetters("augment"), "the counter equals the number sent");

      AvroCodec<AdversarialSample> adversarial = AvroCodec.of(AdversarialSample.class);
      Set<String> made = new HashSet<>();
      StreamFixtures.readAll(kafka, topics.trainAdversarial()).forEach(r -> made.add(adversarial.decode(r.value()).getSampleId().toString()));
      assertEquals(VALID, made.size(), "every valid sample processed");
      assertTrue(log.stream().noneMatch(l -> l.contains("restarting")), "the stream never restarted: " + log);
    } finally {
      StreamFixtures.close(teacher);
      StreamFixtures.close(student);
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /** A kind of bad record: its name, the reason the stage must give, and how to make the i-th. */
  private record Kind(String name, ReasonCode reason, Function<Integer, byte[]> make) {}

  private static List<Kind> badRecordKinds() {
    return List.of(
        new Kind("random-bytes", ReasonCode.UNDECODABLE, AugmentDeadLetterFloodTest::randomBytes),
        new Kind("truncated-avro", ReasonCode.UNDECODABLE, AugmentDeadLetterFloodTest::truncated),
        new Kind("unknown-fingerprint", ReasonCode.UNKNOWN_SCHEMA, i -> {
          byte[] b = valid(i);
          for (int k = 2; k < 10; k++) {
            b[k] ^= (byte) 0xA5;
          }
          return b;
        }),
        new Kind("wrong-shape", ReasonCode.SHAPE_MISMATCH, i -> with(i, s -> s.setImage(Tensors.of(new float[14 * 14], 1, 14, 14)))),
        new Kind("nan-inf", ReasonCode.NON_FINITE, i -> with(i, s -> setPixel(s, i % 784, i % 2 == 0 ? Float.NaN : Float.POSITIVE_INFINITY))),
        new Kind("pixel-range", ReasonCode.PIXEL_OUT_OF_RANGE, i -> with(i, s -> setPixel(s, i % 784, i % 2 == 0 ? 1.5f : -0.25f))),
        new Kind("label-range", ReasonCode.LABEL_OUT_OF_RANGE, i -> with(i, s -> s.setLabel(10 + i % 5))),
        // claims 2000x2000 pixels (16 MB) with 3 KB of data: rejected before anything is allocated
        new Kind("oversize", ReasonCode.OVERSIZE, i -> with(i, s -> s.getImage().setShape(Arrays.asList(1, 2000, 2000)))));
  }

  private static ImageSample base(int i) {
    return StreamFixtures.sample("bad-" + i, Split.TRAIN, 100_000 + i);
  }

  private static byte[] valid(int i) {
    return StreamFixtures.SAMPLES.encode(base(i));
  }

  private static byte[] with(int i, java.util.function.Consumer<ImageSample> change) {
    ImageSample s = base(i);
    change.accept(s);
    return StreamFixtures.SAMPLES.encode(s);
  }

  private static void setPixel(ImageSample s, int index, float value) {
    float[] pixels = Tensors.floats(s.getImage());
    pixels[index] = value;
    s.setImage(Tensors.of(pixels, 1, 28, 28));
  }

  private static byte[] randomBytes(int i) {
    byte[] b = new byte[50 + i % 200];
    new Random(i).nextBytes(b);
    b[0] = 0; // never the single-object marker C3 01
    return b;
  }

  private static byte[] truncated(int i) {
    byte[] b = valid(i);
    return Arrays.copyOf(b, b.length / 2);
  }
}
