package io.igdstream.streams.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
import io.igdstream.schemas.SnapshotKeys;
import io.igdstream.schemas.SnapshotSignature;
import io.igdstream.schemas.SnapshotSigner;
import io.igdstream.schemas.SnapshotVerifier;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.DeadLetterRecords;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.schemas.kafka.SnapshotPublisher;
import io.igdstream.streams.StreamFixtures;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import io.igdstream.streams.metrics.StreamMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * With a verify key, the follower loads only snapshots signed by the trainer's key: a forged one
 * (right format, another key), an older one replayed under a newer version and an unsigned one are
 * dead-lettered as bad-signature and never loaded, and genuine ones keep loading, even after a
 * forged one with a far higher version. The broker is a plaintext one on purpose: the signature
 * holds whatever the ACLs let through.
 */
@Tag("broker")
@Tag("security")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SignedSnapshotFollowerTest {

  private static final String MODEL = "m";
  private static final AvroCodec<SnapshotHeader> HEADERS = AvroCodec.of(SnapshotHeader.class);
  private static final AvroCodec<SnapshotChunk> CHUNKS = AvroCodec.of(SnapshotChunk.class);

  @TempDir Path dir;

  @Test
  void onlySignedSnapshotsOfTheTrainersKeyLoad() throws Exception {
    SnapshotKeys.KeyFiles trainer = SnapshotKeys.generate(dir.resolve("trainer-key"));
    SnapshotKeys.KeyFiles forger = SnapshotKeys.generate(dir.resolve("forger-key"));
    SnapshotSigner signer = SnapshotSigner.fromPemFile(trainer.privateKey());
    SnapshotSigner forgerSigner = SnapshotSigner.fromPemFile(forger.privateKey());
    SnapshotVerifier verifier = SnapshotVerifier.fromPemFile(trainer.publicKey());
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0)) {
      KafkaSettings kafka = StreamFixtures.kafka(broker.bootstrapServers());
      TopicNames topics = StreamFixtures.topics(broker.bootstrapServers(), "signed", "");
      StreamMetrics metrics = new StreamMetrics(new PrometheusRegistry());
      Classifier[] models = new Classifier[5];
      for (int i = 0; i < models.length; i++) {
        models[i] = StreamFixtures.model(20 + i);
      }
      try (SnapshotFollower follower =
          SnapshotFollower.start(kafka, topics, MODEL, "test", metrics, Optional.of(verifier))) {
        publish(kafka, topics, models[0], 0, Optional.of(signer));
        assertEquals(0, follower.first().get(60, TimeUnit.SECONDS).version());
        assertFalse(
            follower.current().orElseThrow().facts().containsKey(SnapshotSignature.METADATA_KEY),
            "the signature is not a fact of the model");

        // forged: the right format, signed with another key, far ahead of the real versions
        publish(kafka, topics, models[1], 50, Optional.of(forgerSigner));
        // replayed: v0's signed header and payload, renumbered v2
        ChunkedSnapshot v0 = chunked(models[0], 0);
        SnapshotHeader v0Signed = signer.sign(v0.header());
        ChunkedSnapshot v2 = chunked(models[0], 2);
        SnapshotHeader replayed =
            SnapshotHeader.newBuilder(v0Signed).setVersion(2).build(); // v0's signature
        send(kafka, topics, v2, replayed);
        // unsigned
        publish(kafka, topics, models[3], 3, Optional.empty());
        // genuine, older than the forged v50
        publish(kafka, topics, models[4], 4, Optional.of(signer));

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (follower.version() != 4 && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        assertEquals(4, follower.version(), "the genuine v4 loads after the refused ones");
        assertArrayEquals(
            GradientThread.shared().call(() -> weights(models[4])),
            GradientThread.shared().call(() -> weights(follower.current().orElseThrow().model())),
            "the weights published as v4");
      } finally {
        for (Classifier m : models) {
          StreamFixtures.close(m);
        }
      }
      List<String> why = new ArrayList<>();
      List<ReasonCode> codes = new ArrayList<>();
      StreamFixtures.readAll(kafka, topics.dlq())
          .forEach(
              r -> {
                DeadLetter d = DeadLetterRecords.decode(r.value());
                why.add(d.getReason().toString());
                codes.add(d.getReasonCode());
              });
      assertEquals(
          List.of(
              "bad-signature: snapshot m v50 does not verify against snapshot-signing.pub (signed"
                  + " by another key, or its header was changed)",
              "bad-signature: snapshot m v2 does not verify against snapshot-signing.pub (signed by"
                  + " another key, or its header was changed)",
              "bad-signature: snapshot m v3 is unsigned and a verify key is configured"),
          why,
          "one dead letter per refused snapshot, none for their chunks");
      assertEquals(
          List.of(ReasonCode.BAD_CHUNK, ReasonCode.BAD_CHUNK, ReasonCode.BAD_CHUNK), codes);
    }
  }

  @Test
  void withoutAVerifyKeyUnsignedSnapshotsLoadAsBefore() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka2"), 0)) {
      KafkaSettings kafka = StreamFixtures.kafka(broker.bootstrapServers());
      TopicNames topics = StreamFixtures.topics(broker.bootstrapServers(), "unsigned", "");
      Classifier model = StreamFixtures.model(7);
      try (SnapshotFollower follower =
          SnapshotFollower.start(
              kafka, topics, MODEL, "test", new StreamMetrics(new PrometheusRegistry()))) {
        publish(kafka, topics, model, 0, Optional.empty());
        assertEquals(0, follower.first().get(60, TimeUnit.SECONDS).version());
      } finally {
        StreamFixtures.close(model);
      }
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
        new SnapshotInfo(MODEL, version, "small-cnn", 1, 28, 28, 10, 1000, Map.of()));
  }

  /** Publishes as the trainer does, through SnapshotPublisher (signing if a signer is given). */
  private static void publish(
      KafkaSettings kafka,
      TopicNames topics,
      Classifier model,
      long version,
      Optional<SnapshotSigner> signer) {
    byte[] payload = GradientThread.shared().call(() -> weights(model));
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.producerProperties())) {
      new SnapshotPublisher(p, topics.snapshots(), MODEL, 32 << 10)
          .signedBy(signer)
          .publish(
              payload,
              new SnapshotInfo(MODEL, version, "small-cnn", 1, 28, 28, 10, 1000, Map.of()));
    }
  }

  private static void send(
      KafkaSettings kafka, TopicNames topics, ChunkedSnapshot s, SnapshotHeader header)
      throws Exception {
    byte[] key = MODEL.getBytes(StandardCharsets.UTF_8);
    List<byte[][]> records = new ArrayList<>();
    for (SnapshotChunk c : s.chunks()) {
      records.add(new byte[][] {key, CHUNKS.encode(c)});
    }
    records.add(new byte[][] {key, HEADERS.encode(header)});
    StreamFixtures.produce(kafka, topics.snapshots(), records);
  }
}
