package io.igdstream.schemas.kafka;

import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.DeadLetter;
import io.igdstream.schemas.DeadLetters;
import io.igdstream.schemas.ReasonCode;
import io.igdstream.schemas.RecordDecodingException;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A consumed record after decoding and validation: either its value or the {@link DeadLetter} that
 * says why it was rejected. Stages decode inside the stream (not in the Kafka deserializer), so one
 * bad record becomes a dead letter instead of failing the stream (docs/STACK.md, "Dead letters").
 */
public record Decoded<T>(T value, DeadLetter deadLetter) {

  public boolean ok() {
    return deadLetter == null;
  }

  /** Decodes {@code record}'s value with {@code codec} and runs {@code validate} on it. */
  public static <T extends SpecificRecord> Decoded<T> of(
      ConsumerRecord<byte[], byte[]> record, AvroCodec<T> codec, Consumer<T> validate) {
    try {
      if (record.value() == null) {
        throw new RecordDecodingException(
            ReasonCode.UNDECODABLE, "record has no value (a tombstone)");
      }
      T value = codec.decode(record.value());
      validate.accept(value);
      return new Decoded<>(value, null);
    } catch (RecordDecodingException e) {
      return rejected(record, e.reason(), e.getMessage());
    } catch (RuntimeException e) {
      // anything else a validator throws is still this record's fault, never the stream's
      return rejected(record, ReasonCode.OTHER, String.valueOf(e.getMessage()));
    }
  }

  public static <T> Decoded<T> rejected(
      ConsumerRecord<byte[], byte[]> record, ReasonCode code, String reason) {
    return new Decoded<>(
        null,
        DeadLetters.of(
            record.topic(),
            record.partition(),
            record.offset(),
            record.key(),
            record.value(),
            code,
            reason,
            System.currentTimeMillis()));
  }
}
