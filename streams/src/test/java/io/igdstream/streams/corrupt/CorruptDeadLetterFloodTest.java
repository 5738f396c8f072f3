package io.igdstream.streams.corrupt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.typesafe.config.ConfigFactory;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.CorruptedSample;
import io.igdstream.schemas.DeadLetter;
import io.igdstream.schemas.ReasonCode;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.DeadLetterRecords;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.BadRecords;
import io.igdstream.streams.StreamFixtures;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import io.igdstream.streams.kafka.GroupOffsets;
import io.igdstream.streams.metrics.StreamMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.kafka.javadsl.Consumer;
import org.apache.pekko.stream.testkit.javadsl.StreamTestKit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10,000 malformed test-split records of the eight {@link BadRecords} kinds interleaved with valid
 * test samples on {@code NS.samples}: every bad record lands in {@code NS.dlq} with its reason and
 * its bytes, the dead-letter counter equals the number sent, every valid sample gets every
 * corruption × severity of the settings on {@code NS.test.corrupted}, and the stream never fails.
 * The corrupt stage has no restart loop of its own (its worker exits on a failed stream), so "never
 * restarts" means: the stream is still running when its group has committed the end of the topic,
 * it drains cleanly, and it consumed each record exactly once (a restart would replay some).
 */
@Tag("broker")
@Tag("slow")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@Tag("reliability")
class CorruptDeadLetterFloodTest {

  private static final int VALID = 20;
  private static final int PER_KIND = 1250;
  private static final AvroCodec<CorruptedSample> CORRUPTED = AvroCodec.of(CorruptedSample.class);

  @TempDir Path dir;

  @Test
  void everyBadRecordIsDeadLetteredWithItsReasonAndEveryValidOneIsCorrupted() throws Exception {
    // corrupt validates test samples only (training ones belong to augment), so the bad ones are
    // test samples
    List<BadRecords.Kind> kinds = BadRecords.kinds(Split.TEST);
    List<byte[][]> records = new ArrayList<>();
    for (int i = 0; i < VALID; i++) {
      records.add(StreamFixtures.record(StreamFixtures.sample("test-" + i, Split.TEST, i)));
    }
    List<byte[][]> bad = BadRecords.records(kinds, PER_KIND);
    Map<String, byte[]> sent = new HashMap<>();
    bad.forEach(kv -> sent.put(new String(kv[0], StandardCharsets.UTF_8), kv[1]));
    records.addAll(bad);
    Collections.shuffle(records, new Random(7)); // interleaved

    // the defaults: all nine corruptions at severities 1..5, 45 records per valid sample
    CorruptSettings settings = CorruptSettings.fromConfig(ConfigFactory.load());
    StreamMetrics metrics = new StreamMetrics(new PrometheusRegistry());
    ActorSystem system = ActorSystem.create("corrupt-flood-test", ConfigFactory.load());
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0);
        Admin admin =
            Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      KafkaSettings kafka = StreamFixtures.kafka(broker.bootstrapServers());
      TopicNames topics = StreamFixtures.topics(broker.bootstrapServers(), "corrupt-flood", "");
      StreamFixtures.produce(kafka, topics.samples(), records);
      var end = GroupOffsets.endOffsets(admin, topics.samples());
      String group = topics.prefix() + "." + settings.group();

      long start = System.nanoTime();
      Consumer.DrainingControl<Done> control =
          CorruptStage.run(system, kafka, topics, settings, metrics);
      // fails at once with the stream's failure if it fails or completes before the end is
      // committed
      CorruptStageTest.awaitCommitted(admin, group, topics.samples(), end, control);
      double seconds = (System.nanoTime() - start) / 1e9;
      assertFalse(
          control.streamCompletion().toCompletableFuture().isDone(), "the stream is still running");
      control.drainAndShutdown(system.dispatcher()).toCompletableFuture().get(30, TimeUnit.SECONDS);
      StreamTestKit.assertAllStagesStopped(system);
      assertEquals(
          records.size(),
          metrics.consumed(CorruptStage.STAGE),
          "each record consumed once: no replay");

      Map<String, Integer> byKind = new TreeMap<>();
      Map<ReasonCode, Integer> byReason = new TreeMap<>();
      for (var r : StreamFixtures.readAll(kafka, topics.dlq())) {
        DeadLetter d = DeadLetterRecords.decode(r.value());
        String key = new String(r.key(), StandardCharsets.UTF_8);
        BadRecords.Kind kind = BadRecords.kindOf(kinds, r.key());
        assertEquals(kind.reason(), d.getReasonCode(), key + ": " + d.getReason());
        assertEquals(topics.samples(), d.getSourceTopic(), key);
        assertArrayEquals(sent.get(key), bytes(d.getRaw()), key + ": the record's bytes as sent");
        byKind.merge(kind.name(), 1, Integer::sum);
        byReason.merge(d.getReasonCode(), 1, Integer::sum);
      }
      for (BadRecords.Kind kind : kinds) {
        assertEquals(PER_KIND, byKind.getOrDefault(kind.name(), 0), kind.name());
      }
      assertEquals(10_000, kinds.size() * PER_KIND);
      assertEquals(
          10_000, metrics.deadLetters(CorruptStage.STAGE), "the counter equals the number sent");

      Set<String> expected = new HashSet<>();
      for (int i = 0; i < VALID; i++) {
        for (String corruption : settings.corruptions()) {
          for (int severity : settings.severities()) {
            expected.add("test-" + i + "/" + corruption + "/" + severity);
          }
        }
      }
      Set<String> made = new HashSet<>();
      Map<String, Integer> perSample = new HashMap<>();
      for (var r : StreamFixtures.readAll(kafka, topics.testCorrupted())) {
        CorruptedSample c = CORRUPTED.decode(r.value());
        if (made.add(c.getSourceId() + "/" + c.getCorruption() + "/" + c.getSeverity())) {
          perSample.merge(c.getSourceId().toString(), 1, Integer::sum);
        }
      }
      assertEquals(
          expected,
          made,
          "every corruption × severity of every valid sample, nothing of a bad one");
      assertEquals(expected.size(), metrics.produced(CorruptStage.STAGE), "each written once");
      long complete =
          perSample.values().stream().filter(n -> n == settings.outputsPerImage()).count();

      System.out.printf(
          "CorruptDeadLetterFloodTest: injected %d bad records of %d kinds, dead-lettered %d (per reason %s),"
              + " valid %d/%d corrupted (%d corruptions x %d severities each), no stream failure or replay, %.1f s%n",
          bad.size(),
          kinds.size(),
          byKind.values().stream().mapToInt(Integer::intValue).sum(),
          byReason,
          complete,
          VALID,
          settings.corruptions().size(),
          settings.severities().size(),
          seconds);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
