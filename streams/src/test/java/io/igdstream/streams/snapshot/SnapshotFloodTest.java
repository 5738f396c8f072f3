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
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad records of seven kinds interleaved with good snapshots on {@code NS.snapshots}: the follower
 * dead-letters each bad record or bad snapshot with its reason, counts exactly those, loads every
 * good snapshot in turn (ending on the newest, with its weights), and never fails.
 *
 * <p>The unit the follower dead-letters depends on the kind: one record that cannot belong to any
 * snapshot, or one whole snapshot that cannot be used.
 *
 * <ul>
 *   <li>one dead letter per <b>record</b>: random bytes and truncated chunks or headers
 *       (UNDECODABLE), an unknown schema fingerprint (UNKNOWN_SCHEMA), a header whose total size is
 *       absurd (OVERSIZE, rejected before anything is allocated);
 *   <li>one dead letter per <b>snapshot</b>, carrying its header (the record that completes it; the
 *       publisher sends it last): a chunk with a flipped byte, so the payload misses its SHA-256; a
 *       chunk padded to 2 MiB or more, more than the whole payload its header declares. BAD_CHUNK
 *       both; the follower has no per-chunk bound (the trainer's chunk size is a setting), the
 *       header's total_bytes is the bound. The chunks of such a snapshot are dropped without dead
 *       letters of their own;
 *   <li>one dead letter per <b>abandoned version</b> for chunks of a snapshot whose header never
 *       comes ("orphans"): on arrival they look like a snapshot in flight (chunks go first), so the
 *       assembler holds them until they are evicted for newer records, and the follower then
 *       dead-letters the version (BAD_CHUNK, pointing at its first record). At the end at most two
 *       may still be held, waiting: they are counted. Here they carry versions far above every good
 *       one: before this test, two of them blocked every later snapshot for good ({@link
 *       io.igdstream.schemas.SnapshotAssembler} evicted the lowest version and turned away any
 *       version below all kept ones; it now evicts the one fed least recently).
 * </ul>
 *
 * <p>Bad snapshots get a version between the good ones around them: records of versions at or below
 * the loaded one are skipped without validation by design (a follower re-reads the topic from the
 * beginning), so a bad one there would prove nothing. Single bad records also fall between the
 * chunks of good snapshots; orphans and bad snapshots only between snapshots, because the assembler
 * keeps two incomplete versions and a good one must not be evicted while in flight (the trainer
 * publishes a snapshot's records back to back on the topic's one partition).
 *
 * <p>A few hundred bad records, not 10,000 as on {@code NS.samples}: snapshot records are big (a
 * 256 KiB chunk here, 512 KiB in production), a bad snapshot is a whole model's worth of them, and
 * every good snapshot is decoded into a model on the gradient thread.
 */
@Tag("broker")
@Tag("slow")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@Tag("reliability")
class SnapshotFloodTest {

  private static final String MODEL = "m";
  private static final int GOOD = 10;
  private static final int CHUNK_BYTES = 256 << 10;
  private static final long ORPHAN_VERSIONS = 1_000_000;
  private static final AvroCodec<SnapshotChunk> CHUNKS = AvroCodec.of(SnapshotChunk.class);
  private static final AvroCodec<SnapshotHeader> HEADERS = AvroCodec.of(SnapshotHeader.class);

  /** A kind of bad input: its name, the reason it is dead-lettered with (null: none), how many. */
  private record Kind(String name, ReasonCode reason, int count) {}

  private static final Kind RANDOM_BYTES = new Kind("random-bytes", ReasonCode.UNDECODABLE, 100);
  private static final Kind TRUNCATED = new Kind("truncated-avro", ReasonCode.UNDECODABLE, 100);
  private static final Kind UNKNOWN_FINGERPRINT =
      new Kind("unknown-fingerprint", ReasonCode.UNKNOWN_SCHEMA, 50);
  private static final Kind ABSURD_HEADER = new Kind("absurd-header", ReasonCode.OVERSIZE, 100);
  private static final Kind WRONG_HASH = new Kind("wrong-hash", ReasonCode.BAD_CHUNK, 10);
  private static final Kind OVERSIZE_CHUNK = new Kind("oversize-chunk", ReasonCode.BAD_CHUNK, 5);
  private static final Kind ORPHAN_CHUNK = new Kind("orphan-chunk", ReasonCode.BAD_CHUNK, 100);
  private static final List<Kind> KINDS =
      List.of(
          RANDOM_BYTES,
          TRUNCATED,
          UNKNOWN_FINGERPRINT,
          ABSURD_HEADER,
          WRONG_HASH,
          OVERSIZE_CHUNK,
          ORPHAN_CHUNK);

  @TempDir Path dir;

  @Test
  void everyBadRecordOrSnapshotIsDeadLetteredAndEveryGoodSnapshotLoaded() throws Exception {
    Classifier[] models = new Classifier[GOOD];
    byte[][] payloads = new byte[GOOD][];
    for (int k = 0; k < GOOD; k++) {
      models[k] = StreamFixtures.model(100 + k);
      Classifier model = models[k];
      payloads[k] = GradientThread.shared().call(() -> model.toModelFile(Map.of()).encode());
    }
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0)) {
      KafkaSettings kafka = StreamFixtures.kafka(broker.bootstrapServers());
      TopicNames topics = StreamFixtures.topics(broker.bootstrapServers(), "snapshot-flood", "");
      Flood flood = flood(payloads);
      StreamMetrics metrics = new StreamMetrics(new PrometheusRegistry());
      List<Long> loaded = new CopyOnWriteArrayList<>();
      long start = System.nanoTime();
      int held;
      try (SnapshotFollower follower =
          SnapshotFollower.start(kafka, topics, MODEL, "test", metrics)) {
        follower.onLoaded(l -> loaded.add(l.version()));
        StreamFixtures.produce(kafka, topics.snapshots(), flood.records());
        long newest = flood.good().get(GOOD - 1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (follower.version() != newest
            && follower.failure().isEmpty()
            && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        assertTrue(
            follower.failure().isEmpty(),
            () -> "the follower failed: " + follower.failure().orElseThrow());
        // the newest good snapshot is the topic's last record: everything before it has been read
        assertEquals(newest, follower.version(), "loaded " + loaded);
        byte[] weights =
            GradientThread.shared()
                .call(
                    () -> follower.current().orElseThrow().model().toModelFile(Map.of()).encode());
        assertArrayEquals(
            payloads[GOOD - 1], weights, "the weights published as the newest version");
        follower.close(); // flushes the follower's dead-letter producer; then its counts are exact
        held = follower.incompleteVersions();
      }
      assertTrue(held <= 2, "at most two incomplete versions are held: " + held);
      double seconds = (System.nanoTime() - start) / 1e9;
      assertEquals(flood.good(), loaded, "every good snapshot loaded, in order, once");

      Map<String, Integer> byKind = new TreeMap<>();
      for (var r : StreamFixtures.readAll(kafka, topics.dlq())) {
        DeadLetter d = DeadLetterRecords.decode(r.value());
        String key = new String(r.key(), StandardCharsets.UTF_8);
        Kind kind =
            KINDS.stream()
                .filter(k -> key.startsWith(k.name() + "-"))
                .findFirst()
                .orElseThrow(
                    () ->
                        new AssertionError(
                            "a record of a good snapshot was dead-lettered: "
                                + key
                                + ": "
                                + d.getReason()));
        assertEquals(kind.reason(), d.getReasonCode(), key + ": " + d.getReason());
        assertEquals(topics.snapshots(), d.getSourceTopic(), key);
        byKind.merge(kind.name(), 1, Integer::sum);
      }
      int expected = 0;
      for (Kind kind : KINDS) {
        int letters = kind == ORPHAN_CHUNK ? kind.count() - held : kind.count();
        assertEquals(letters, byKind.getOrDefault(kind.name(), 0), kind.name());
        expected += letters;
      }
      assertEquals(expected, metrics.deadLetters("test"), "the counter equals the dead letters");

      System.out.printf(
          "SnapshotFloodTest: injected %d bad records of %d kinds (%d bad snapshots, %d orphan chunks) among %d good"
              + " snapshots, dead-lettered %d (per kind %s; %d orphan versions still held at the end), loaded %d/%d good"
              + " (newest v%d), follower never failed, %.1f s%n",
          flood.badRecords(),
          KINDS.size(),
          WRONG_HASH.count() + OVERSIZE_CHUNK.count(),
          ORPHAN_CHUNK.count(),
          GOOD,
          expected,
          byKind,
          held,
          loaded.size(),
          GOOD,
          flood.good().get(GOOD - 1),
          seconds);
    } finally {
      for (Classifier m : models) {
        if (m != null) {
          StreamFixtures.close(m);
        }
      }
    }
  }

  /** The records to send, the good versions in order, and how many of the records are bad. */
  private record Flood(List<byte[][]> records, List<Long> good, int badRecords) {}

  /**
   * Good snapshots in version order with the bad snapshots and orphan chunks shuffled between them,
   * the last good snapshot last; then the single bad records at random places before its header.
   * Versions rise along the topic, so each bad snapshot is newer than the good one before it.
   */
  private static Flood flood(byte[][] payloads) {
    Random random = new Random(7);
    List<String> between = new ArrayList<>();
    for (Kind kind : List.of(WRONG_HASH, OVERSIZE_CHUNK, ORPHAN_CHUNK)) {
      for (int i = 0; i < kind.count(); i++) {
        between.add(kind.name() + "-" + i);
      }
    }
    for (int k = 0; k < GOOD - 1; k++) {
      between.add("good-" + k);
    }
    Collections.shuffle(between, random);
    between.add("good-" + (GOOD - 1));

    List<byte[][]> records = new ArrayList<>();
    List<Long> good = new ArrayList<>();
    int bad = 0;
    long version = 0;
    for (String segment : between) {
      int dash = segment.lastIndexOf('-');
      String kind = segment.substring(0, dash);
      int i = Integer.parseInt(segment.substring(dash + 1));
      byte[] key = segment.getBytes(StandardCharsets.UTF_8);
      switch (kind) {
        case "good" -> {
          good.add(version);
          ChunkedSnapshot s = split(payloads[i], version);
          records.addAll(records(MODEL.getBytes(StandardCharsets.UTF_8), s.header(), s.chunks()));
        }
        case "wrong-hash" -> {
          ChunkedSnapshot s = split(payloads[i % GOOD], version);
          List<SnapshotChunk> chunks = new ArrayList<>(s.chunks());
          SnapshotChunk victim = chunks.get(i % chunks.size());
          byte[] data = bytes(victim.getData());
          data[data.length / 2] ^= 0x5A;
          chunks.set(
              victim.getIndex(),
              SnapshotChunk.newBuilder(victim).setData(ByteBuffer.wrap(data)).build());
          bad += add(records, records(key, s.header(), chunks));
        }
        case "oversize-chunk" -> {
          ChunkedSnapshot s = split(payloads[i % GOOD], version);
          List<SnapshotChunk> chunks = new ArrayList<>(s.chunks());
          SnapshotChunk victim = chunks.get(0);
          // 2 MiB (above Kafka's default record limit) and more than the whole payload its header
          // declares
          byte[] data =
              Arrays.copyOf(
                  bytes(victim.getData()), Math.max(2 << 20, payloads[i % GOOD].length + 1));
          chunks.set(0, SnapshotChunk.newBuilder(victim).setData(ByteBuffer.wrap(data)).build());
          bad += add(records, records(key, s.header(), chunks));
        }
        case "orphan-chunk" -> {
          // a chunk of a version far ahead whose other chunks and header never come
          ChunkedSnapshot s = split(payloads[i % GOOD], ORPHAN_VERSIONS + i);
          bad +=
              add(
                  records,
                  List.<byte[][]>of(
                      new byte[][] {key, CHUNKS.encode(s.chunks().get(i % s.chunks().size()))}));
        }
        default -> throw new IllegalStateException(segment);
      }
      version++;
    }

    // single bad records anywhere before the last header, also between the chunks of a snapshot
    ChunkedSnapshot sample = split(payloads[0], 0);
    for (Kind kind : List.of(RANDOM_BYTES, TRUNCATED, UNKNOWN_FINGERPRINT, ABSURD_HEADER)) {
      for (int i = 0; i < kind.count(); i++) {
        byte[] value =
            switch (kind.name()) {
              case "random-bytes" -> {
                byte[] b = new byte[50 + i % 2000];
                new Random(i).nextBytes(b);
                b[0] = 0; // never the single-object marker C3 01
                yield b;
              }
              case "truncated-avro" -> {
                byte[] b =
                    i % 2 == 0
                        ? CHUNKS.encode(sample.chunks().get(0))
                        : HEADERS.encode(sample.header());
                yield Arrays.copyOf(b, b.length / 2);
              }
              case "unknown-fingerprint" -> {
                byte[] b = CHUNKS.encode(sample.chunks().get(0));
                for (int k = 2; k < 10; k++) {
                  b[k] ^= (byte) 0xA5;
                }
                yield b;
              }
              case "absurd-header" ->
                  HEADERS.encode(
                      SnapshotHeader.newBuilder(sample.header())
                          .setVersion(
                              2 * ORPHAN_VERSIONS
                                  + i) // above anything loaded, so it is read, not skipped
                          .setTotalBytes(1L << (40 + i % 20)) // 1 TiB and up: above the 1 GiB bound
                          .build());
              default -> throw new IllegalStateException(kind.name());
            };
        byte[] key = (kind.name() + "-" + i).getBytes(StandardCharsets.UTF_8);
        records.add(random.nextInt(records.size() - 1), new byte[][] {key, value});
        bad++;
      }
    }
    return new Flood(records, good, bad);
  }

  private static ChunkedSnapshot split(byte[] payload, long version) {
    return SnapshotChunks.split(
        payload,
        CHUNK_BYTES,
        new SnapshotInfo(MODEL, version, "small-cnn", 1, 28, 28, 10, 0, Map.of()));
  }

  /** The chunks, then the header, as the publisher sends them. */
  private static List<byte[][]> records(
      byte[] key, SnapshotHeader header, List<SnapshotChunk> chunks) {
    List<byte[][]> out = new ArrayList<>();
    for (SnapshotChunk c : chunks) {
      out.add(new byte[][] {key, CHUNKS.encode(c)});
    }
    out.add(new byte[][] {key, HEADERS.encode(header)});
    return out;
  }

  private static int add(List<byte[][]> records, List<byte[][]> more) {
    records.addAll(more);
    return more.size();
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
