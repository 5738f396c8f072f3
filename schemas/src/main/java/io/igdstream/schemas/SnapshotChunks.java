package io.igdstream.schemas;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Splits a snapshot's payload (safetensors bytes) into a {@link SnapshotHeader} and {@link
 * SnapshotChunk}s small enough for Kafka's default 1 MiB record limit; {@link SnapshotAssembler}
 * puts them back together.
 */
public final class SnapshotChunks {

  /** 512 KiB: well below Kafka's default 1 MiB record limit (a ResNet-18 makes ≈ 90 chunks). */
  public static final int DEFAULT_CHUNK_BYTES = 512 << 10;

  private SnapshotChunks() {}

  /**
   * The header and chunks of {@code payload}: chunk i holds bytes [i·chunkBytes, (i+1)·chunkBytes),
   * the last one the rest. The chunks own copies of the bytes.
   *
   * @throws IllegalArgumentException if the payload is empty or chunkBytes {@code < 1}
   */
  public static ChunkedSnapshot split(byte[] payload, int chunkBytes, SnapshotInfo info) {
    if (payload.length == 0) {
      throw new IllegalArgumentException("payload must not be empty");
    }
    if (chunkBytes < 1) {
      throw new IllegalArgumentException("chunkBytes must be >= 1, was " + chunkBytes);
    }
    int count = (int) ((payload.length + (long) chunkBytes - 1) / chunkBytes);
    SnapshotHeader header =
        SnapshotHeader.newBuilder()
            .setModelId(info.modelId())
            .setVersion(info.version())
            .setArchitecture(info.architecture())
            .setChannels(info.channels())
            .setHeight(info.height())
            .setWidth(info.width())
            .setClasses(info.classes())
            .setChunkCount(count)
            .setTotalBytes(payload.length)
            .setSha256(new Sha256(sha256(payload)))
            .setCreatedAtMs(info.createdAtMs())
            .setMetadata(new LinkedHashMap<>(info.metadata()))
            .build();
    List<SnapshotChunk> chunks = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int from = i * chunkBytes;
      int to = (int) Math.min(payload.length, (long) from + chunkBytes);
      chunks.add(
          SnapshotChunk.newBuilder()
              .setModelId(info.modelId())
              .setVersion(info.version())
              .setIndex(i)
              .setChunkCount(count)
              .setData(ByteBuffer.wrap(Arrays.copyOfRange(payload, from, to)))
              .build());
    }
    return new ChunkedSnapshot(header, chunks);
  }

  /** SHA-256 of the bytes. */
  public static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
