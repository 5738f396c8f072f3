package io.igdstream.schemas;

import java.nio.ByteBuffer;
import java.util.Objects;

/** Builds the {@link DeadLetter} for a record a stage rejected. */
public final class DeadLetters {

  private DeadLetters() {}

  /**
   * The dead letter of the record at {@code topic}/{@code partition}/{@code offset}.
   *
   * @param key the record's key bytes, or null
   * @param raw the record's value bytes as read (null is stored as empty)
   * @param problem why it was rejected
   * @param atMs now, epoch milliseconds
   */
  public static DeadLetter of(
      String topic,
      int partition,
      long offset,
      byte[] key,
      byte[] raw,
      RecordDecodingException problem,
      long atMs) {
    return of(topic, partition, offset, key, raw, problem.reason(), problem.getMessage(), atMs);
  }

  /** The same for a problem without an exception (reason is one line). */
  public static DeadLetter of(
      String topic,
      int partition,
      long offset,
      byte[] key,
      byte[] raw,
      ReasonCode code,
      String reason,
      long atMs) {
    return DeadLetter.newBuilder()
        .setSourceTopic(Objects.requireNonNull(topic, "topic"))
        .setPartition(partition)
        .setOffset(offset)
        .setKey(key == null ? null : ByteBuffer.wrap(key.clone()))
        .setReason(String.valueOf(reason))
        .setReasonCode(Objects.requireNonNull(code, "code"))
        .setRaw(ByteBuffer.wrap(raw == null ? new byte[0] : raw.clone()))
        .setAtMs(atMs)
        .build();
  }
}
