package io.igdstream.schemas.kafka;

import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.DeadLetter;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The {@code {ns}.dlq} record of a dead letter: same key as the bad record, Avro value. */
public final class DeadLetterRecords {

  private static final AvroCodec<DeadLetter> CODEC = AvroCodec.of(DeadLetter.class);

  private DeadLetterRecords() {}

  public static ProducerRecord<byte[], byte[]> of(String dlqTopic, DeadLetter letter) {
    byte[] key = letter.getKey() == null ? null : bytes(letter.getKey());
    return new ProducerRecord<>(dlqTopic, key, CODEC.encode(letter));
  }

  public static DeadLetter decode(byte[] value) {
    return CODEC.decode(value);
  }

  private static byte[] bytes(java.nio.ByteBuffer buffer) {
    java.nio.ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
