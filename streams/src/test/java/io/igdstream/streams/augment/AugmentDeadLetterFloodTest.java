package io.igdstream.streams.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.igdstream.core.data.Augmentation;
import io.igdstream.core.model.Classifier;
import io.igdstream.schemas.AdversarialSample;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.DeadLetter;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.DeadLetterRecords;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.BadRecords;
import io.igdstream.streams.PekkoSystems;
import io.igdstream.streams.StreamFixtures;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import io.igdstream.streams.metrics.StreamMetrics;
import io.igdstream.streams.snapshot.SnapshotFollower;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
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
@Tag("reliability")
class AugmentDeadLetterFloodTest {

  private static final int VALID = 200;
  private static final int PER_KIND = 1250;

  @TempDir Path dir;

  @Test
  void everyBadRecordIsDeadLetteredWithItsReasonAndEveryValidOneIsProcessed() throws Exception {
    List<BadRecords.Kind> kinds = BadRecords.kinds(Split.TRAIN);
    List<byte[][]> records = new ArrayList<>();
    for (int i = 0; i < VALID; i++) {
      records.add(StreamFixtures.record(StreamFixtures.sample("train-" + i, Split.TRAIN, i)));
    }
    records.addAll(BadRecords.records(kinds, PER_KIND));
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
      AugmentSettings s =
          AugmentSettings.fromConfig(
              ConfigFactory.parseString(
                      "igd.train.epochs = 1, igd.augment.max-lag = 1000000000, igd.attack.train-steps = 1")
                  .withFallback(ConfigFactory.load()));
      var t = s.train();
      AdversarialExamples examples =
          new AdversarialExamples(
              teacher, t.attack(1, 1), t.igd(), Augmentation.NONE, 0, "student");
      try (SnapshotFollower follower =
          SnapshotFollower.start(kafka, topics, "student", "augment", metrics)) {
        AugmentStage stage =
            AugmentStage.start(
                system,
                kafka,
                topics,
                s,
                examples,
                follower,
                metrics,
                new int[] {1, 28, 28},
                10,
                log::add);
        stage.done().toCompletableFuture().get(240, TimeUnit.SECONDS);
      }

      Map<String, Integer> byKind = new java.util.TreeMap<>();
      for (var r : StreamFixtures.readAll(kafka, topics.dlq())) {
        DeadLetter d = DeadLetterRecords.decode(r.value());
        BadRecords.Kind kind = BadRecords.kindOf(kinds, r.key());
        assertEquals(
            kind.reason(),
            d.getReasonCode(),
            new String(r.key(), StandardCharsets.UTF_8) + ": " + d.getReason());
        byKind.merge(kind.name(), 1, Integer::sum);
      }
      System.out.println("dead letters by kind: " + byKind);
      for (BadRecords.Kind kind : kinds) {
        assertEquals(PER_KIND, byKind.getOrDefault(kind.name(), 0), kind.name());
      }
      assertEquals(10_000, kinds.size() * PER_KIND);
      assertEquals(10_000, metrics.deadLetters("augment"), "the counter equals the number sent");

      AvroCodec<AdversarialSample> adversarial = AvroCodec.of(AdversarialSample.class);
      Set<String> made = new HashSet<>();
      StreamFixtures.readAll(kafka, topics.trainAdversarial())
          .forEach(r -> made.add(adversarial.decode(r.value()).getSampleId().toString()));
      assertEquals(VALID, made.size(), "every valid sample processed");
      assertTrue(
          log.stream().noneMatch(l -> l.contains("restarting")),
          "the stream never restarted: " + log);
    } finally {
      StreamFixtures.close(teacher);
      StreamFixtures.close(student);
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
