package io.igdstream.schemas.kafka;

import io.igdstream.schemas.AvroCodec;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serializer and deserializer of one record type in Avro single-object encoding (the writer
 * schema's fingerprint in a 10-byte header, resolved against the shipped schema history; no
 * registry). For clients outside igd-stream, e.g. a producer feeding {@code NS.samples}: {@code new
 * KafkaProducer<>(props, new StringSerializer(), AvroSerde.of(ImageSample.class).serializer())}.
 *
 * <p>The igd-stream stages themselves consume raw bytes and decode inside the stream: a
 * deserializer that throws (as this one does on a bad record, with a {@link
 * io.igdstream.schemas.RecordDecodingException}) would fail the whole consumer instead of sending
 * one record to the dead-letter topic (docs/STACK.md, "Dead letters").
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {

  private final AvroCodec<T> codec;

  private AvroSerde(AvroCodec<T> codec) {
    this.codec = codec;
  }

  public static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type) {
    return new AvroSerde<>(AvroCodec.of(type));
  }

  @Override
  public Serializer<T> serializer() {
    return (topic, record) -> record == null ? null : codec.encode(record);
  }

  @Override
  public Deserializer<T> deserializer() {
    return (topic, bytes) -> bytes == null ? null : codec.decode(bytes);
  }
}
