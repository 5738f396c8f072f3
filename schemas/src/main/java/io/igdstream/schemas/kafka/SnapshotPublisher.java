package io.igdstream.schemas.kafka;

import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.ChunkedSnapshot;
import io.igdstream.schemas.SnapshotChunk;
import io.igdstream.schemas.SnapshotChunks;
import io.igdstream.schemas.SnapshotHeader;
import io.igdstream.schemas.SnapshotInfo;
import io.igdstream.schemas.SnapshotSigner;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Publishes model snapshots on {@code {ns}.snapshots}: the weights as a safetensors payload (the
 * same bytes a model file holds), split into chunks behind a header with the payload's SHA-256, all
 * keyed by model id on one partition. Chunks go first and the header last, and the call returns
 * only when the broker acknowledged every record, so a follower that has the header can complete
 * it.
 */
public final class SnapshotPublisher {

  private static final AvroCodec<SnapshotHeader> HEADERS = AvroCodec.of(SnapshotHeader.class);
  private static final AvroCodec<SnapshotChunk> CHUNKS = AvroCodec.of(SnapshotChunk.class);

  private final Producer<byte[], byte[]> producer;
  private final String topic;
  private final String modelId;
  private final int chunkBytes;
  private final SnapshotSigner signer;

  public SnapshotPublisher(
      Producer<byte[], byte[]> producer, String topic, String modelId, int chunkBytes) {
    this(producer, topic, modelId, chunkBytes, null);
  }

  private SnapshotPublisher(
      Producer<byte[], byte[]> producer,
      String topic,
      String modelId,
      int chunkBytes,
      SnapshotSigner signer) {
    this.producer = producer;
    this.topic = topic;
    this.modelId = modelId;
    this.chunkBytes = chunkBytes;
    this.signer = signer;
  }

  /**
   * This publisher signing every header with {@code signer} (docs/SECURITY.md "Signed snapshots");
   * empty: unsigned, as before. The trainer's one call: {@code
   * publisher.signedBy(SnapshotSigner.fromConfig(config))}.
   */
  public SnapshotPublisher signedBy(Optional<SnapshotSigner> signer) {
    return new SnapshotPublisher(producer, topic, modelId, chunkBytes, signer.orElse(null));
  }

  /** Whether headers are signed. */
  public boolean signs() {
    return signer != null;
  }

  public String modelId() {
    return modelId;
  }

  /**
   * Publishes {@code payload} (a model file's bytes) as the snapshot {@code info} describes;
   * returns when every record is acknowledged.
   */
  public void publish(byte[] payload, SnapshotInfo info) {
    long version = info.version();
    ChunkedSnapshot snapshot = SnapshotChunks.split(payload, chunkBytes, info);
    byte[] key = modelId.getBytes(StandardCharsets.UTF_8);
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    for (SnapshotChunk chunk : snapshot.chunks()) {
      sent.add(producer.send(new ProducerRecord<>(topic, 0, key, CHUNKS.encode(chunk))));
    }
    SnapshotHeader header = signer == null ? snapshot.header() : signer.sign(snapshot.header());
    sent.add(producer.send(new ProducerRecord<>(topic, 0, key, HEADERS.encode(header))));
    producer.flush();
    for (Future<RecordMetadata> f : sent) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while publishing snapshot " + version, e);
      } catch (ExecutionException e) {
        throw new IllegalStateException(
            "publishing snapshot "
                + version
                + " to "
                + topic
                + " failed: "
                + e.getCause().getMessage(),
            e);
      }
    }
  }
}
