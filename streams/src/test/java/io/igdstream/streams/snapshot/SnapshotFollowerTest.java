package io.igdstream.streams.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.ChunkedSnapshot;
import io.igdstream.schemas.DeadLetter;
import io.igdstream.schemas.ReasonCode;
import io.igdstream.schemas.SnapshotChunk;
import io.igdstream.schemas.SnapshotChunks;
import io.igdstream.schemas.SnapshotHeader;
import io.igdstream.schemas.SnapshotInfo;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.DeadLetterRecords;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.StreamFixtures;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import io.igdstream.streams.metrics.StreamMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The snapshot follower never loads an incomplete or corrupted snapshot, and moves on to the next
 * good one.
 */
@Tag("broker")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SnapshotFollowerTest {

  private static final String MODEL = "m";

  @TempDir Path dir;

  @Test
  void loadsOnlyCompleteVerifiedSnapshots() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0)) {
      KafkaSettings kafka = StreamFixtures.kafka(broker.bootstrapServers());
      TopicNames topics = StreamFixtures.topics(broker.bootstrapServers(), "follow", "");
      StreamMetrics metrics = new StreamMetrics(new PrometheusRegistry());
      Classifier[] models = {
        StreamFixtures.model(10),
        StreamFixtures.model(11),
        StreamFixtures.model(12),
        StreamFixtures.model(13)
      };
      try (SnapshotFollower follower =
          SnapshotFollower.start(kafka, topics, MODEL, "test", metrics)) {
        send(kafka, topics, chunked(models[0], 0), -1, false);
        assertEquals(0, follower.first().get(30, TimeUnit.SECONDS).version());

        send(kafka, topics, chunked(models[1], 1), 1, false); // chunk 1 never sent: incomplete
        send(kafka, topics, chunked(models[2], 2), -1, true); // a flipped byte: digest mismatch
        Thread.sleep(3000);
        assertEquals(
            0, follower.version(), "neither the incomplete nor the corrupted snapshot is loaded");

        send(kafka, topics, chunked(models[3], 3), -1, false);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (follower.version() != 3 && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        assertEquals(3, follower.version());
        byte[] loaded =
            GradientThread.shared().call(() -> weights(follower.current().orElseThrow().model()));
        assertArrayEquals(
            GradientThread.shared().call(() -> weights(models[3])),
            loaded,
            "the weights published as v3");
      } finally {
        for (Classifier m : models) {
          StreamFixtures.close(m);
        }
      }
      List<ReasonCode> reasons = new ArrayList<>();
      List<String> why = new ArrayList<>();
      StreamFixtures.readAll(kafka, topics.dlq())
          .forEach(
              r -> {
                DeadLetter d = DeadLetterRecords.decode(r.value());
                reasons.add(d.getReasonCode());
                why.add(d.getReason().toString());
              });
      assertEquals(
          List.of(ReasonCode.BAD_CHUNK, ReasonCode.BAD_CHUNK),
          reasons,
          "two unusable snapshots: " + why);
      assertTrue(
          why.stream().anyMatch(w -> w.contains("v2") && w.contains("SHA-256")),
          "the corrupted v2: " + why);
      assertTrue(
          why.stream()
              .anyMatch(
                  w -> w.contains("v1 abandoned incomplete") && w.contains("header received")),
          "the incomplete v1, once v3 superseded it: " + why);
      assertEquals(2, metrics.deadLetters("test"));
    }
  }

  private static byte[] weights(Classifier model) {
    return model.toModelFile(Map.of()).encode();
  }

  private static ChunkedSnapshot chunked(Classifier model, long version) {
    byte[] payload = GradientThread.shared().call(() -> weights(model));
    return SnapshotChunks.split(
        payload,
        32 << 10,
        new SnapshotInfo(MODEL, version, "small-cnn", 1, 28, 28, 10, 0, Map.of()));
  }

  /** Sends the chunks (all but {@code skip}, one corrupted if asked) and then the header. */
  private static void send(
      KafkaSettings kafka, TopicNames topics, ChunkedSnapshot s, int skip, boolean corrupt)
      throws Exception {
    AvroCodec<SnapshotChunk> chunks = AvroCodec.of(SnapshotChunk.class);
    AvroCodec<SnapshotHeader> headers = AvroCodec.of(SnapshotHeader.class);
    byte[] key = MODEL.getBytes(StandardCharsets.UTF_8);
    List<byte[][]> records = new ArrayList<>();
    for (SnapshotChunk c : s.chunks()) {
      if (c.getIndex() == skip) {
        continue;
      }
      if (corrupt && c.getIndex() == 0) {
        ByteBuffer data = c.getData().duplicate();
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        bytes[bytes.length / 2] ^= 0x5A;
        c = SnapshotChunk.newBuilder(c).setData(ByteBuffer.wrap(bytes)).build();
      }
      records.add(new byte[][] {key, chunks.encode(c)});
    }
    records.add(new byte[][] {key, headers.encode(s.header())});
    StreamFixtures.produce(kafka, topics.snapshots(), records);
  }
}
