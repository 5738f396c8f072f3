package io.igdstream.schemas;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Encodes and decodes one record type in Avro single-object encoding: {@code C3 01}, the writer
 * schema's 8-byte little-endian fingerprint, then the Avro binary body. The decoder resolves every
 * version of the type in {@link SchemaHistory#shipped()} to the current (generated) schema, so
 * records written by older producers still decode, with new fields at their defaults.
 *
 * <p>Thread-safe; make one per type and share it. For Kafka, wrap it where Kafka is a dependency:
 * {@code Serializer<T> s = (topic, v) -> codec.encode(v)}. Consume {@code byte[]} and call {@link
 * #decode} inside the stream, so one bad record becomes a dead letter instead of a failed stream.
 *
 * @param <T> the generated record class
 */
public final class AvroCodec<T extends SpecificRecord> {

  static {
    TrustedClasses.install();
  }

  private static final int HEADER_BYTES = 10;

  private final Schema schema;
  private final SchemaHistory history;
  private final BinaryMessageEncoder<T> encoder;
  private final BinaryMessageDecoder<T> decoder;

  /** The writer schemas this codec resolves, by fingerprint: the same set as the decoder's. */
  private final Map<Long, Schema> writers = new HashMap<>();

  private AvroCodec(Class<T> type, SchemaHistory history) {
    SpecificData model = SpecificData.getForClass(type);
    this.schema = model.getSchema(type);
    this.history = history;
    this.encoder = new BinaryMessageEncoder<>(model, schema);
    this.decoder =
        new BinaryMessageDecoder<>(model, schema, history.storeFor(schema.getFullName()));
    history.versionsOf(schema.getFullName()).forEach(v -> writers.put(v.fingerprint(), v.schema()));
    writers.put(SchemaHistory.fingerprint(schema), schema);
  }

  /** A codec for {@code type} that reads every shipped version of it. */
  public static <T extends SpecificRecord> AvroCodec<T> of(Class<T> type) {
    return of(type, SchemaHistory.shipped());
  }

  /** A codec that knows only the writer versions in {@code history} (and the current one). */
  static <T extends SpecificRecord> AvroCodec<T> of(Class<T> type, SchemaHistory history) {
    return new AvroCodec<>(
        Objects.requireNonNull(type, "type"), Objects.requireNonNull(history, "history"));
  }

  /** The current (reader and writer) schema. */
  public Schema schema() {
    return schema;
  }

  /**
   * The record in single-object encoding, with the current schema.
   *
   * @throws org.apache.avro.AvroRuntimeException or NullPointerException when a required field is
   *     null (a programming error, not a data error)
   */
  public byte[] encode(T record) {
    Objects.requireNonNull(record, "record");
    ByteBuffer b;
    try {
      b = encoder.encode(record);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode " + schema.getName(), e);
    }
    if (b.hasArray()
        && b.arrayOffset() == 0
        && b.position() == 0
        && b.remaining() == b.array().length) {
      return b.array();
    }
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  /**
   * The record in {@code bytes}, resolved to the current schema.
   *
   * @throws RecordDecodingException UNDECODABLE for a missing or bad header, a truncated or corrupt
   *     body, or trailing bytes; UNKNOWN_SCHEMA for a fingerprint that is no shipped version of
   *     this type (another type, or a writer newer than this reader)
   * @throws SecurityException if Avro does not trust the generated classes (a configuration error,
   *     never a data error: not turned into a dead letter)
   */
  public T decode(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    Schema writer = writerOf(bytes);
    checkStructure(writer, bytes);
    try {
      return decoder.decode(bytes);
    } catch (BadHeaderException e) {
      throw new RecordDecodingException(
          ReasonCode.UNDECODABLE, notSingleObject(bytes, e.getMessage()), e);
    } catch (MissingSchemaException e) {
      throw new RecordDecodingException(
          ReasonCode.UNKNOWN_SCHEMA, unknownSchema(fingerprint(bytes)), e);
    } catch (SecurityException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // e.g. an enum index out of range: AvroRuntimeException("Decoding datum failed") <- cause
      throw corrupt(bytes, e);
    }
  }

  /**
   * The full name of the record type {@code bytes} were written as, if their single-object header
   * names a shipped schema version: lets one topic carry two types (snapshot headers and chunks).
   */
  public static java.util.Optional<String> typeOf(byte[] bytes) {
    if (bytes == null
        || bytes.length < HEADER_BYTES
        || bytes[0] != (byte) 0xC3
        || bytes[1] != (byte) 0x01) {
      return java.util.Optional.empty();
    }
    return SchemaHistory.shipped().find(fingerprint(bytes)).map(SchemaHistory.Version::fullName);
  }

  /** The writer schema named by the header. */
  private Schema writerOf(byte[] bytes) {
    if (bytes.length < HEADER_BYTES) {
      throw new RecordDecodingException(
          ReasonCode.UNDECODABLE, notSingleObject(bytes, "not enough header bytes"));
    }
    if (bytes[0] != (byte) 0xC3 || bytes[1] != (byte) 0x01) {
      throw new RecordDecodingException(
          ReasonCode.UNDECODABLE,
          notSingleObject(
              bytes,
              String.format("header bytes 0x%02X 0x%02X, expected 0xC3 0x01", bytes[0], bytes[1])));
    }
    long fp = fingerprint(bytes);
    Schema writer = writers.get(fp);
    if (writer == null) {
      throw new RecordDecodingException(ReasonCode.UNKNOWN_SCHEMA, unknownSchema(fp));
    }
    return writer;
  }

  /**
   * Walks the body with the writer schema, skipping every value, before anything is allocated: a
   * corrupt length prefix (a string "of 2 GB" in a 9 KB record) would otherwise make Avro allocate
   * it, and a truncated body or trailing bytes are found here. Every type of this module's schemas
   * takes at least one byte per value, so the walk ends within the input.
   */
  private void checkStructure(Schema writer, byte[] bytes) {
    ByteArrayInputStream body =
        new ByteArrayInputStream(bytes, HEADER_BYTES, bytes.length - HEADER_BYTES);
    BinaryDecoder in = DecoderFactory.get().directBinaryDecoder(body, null);
    try {
      GenericDatumReader.skip(writer, in);
    } catch (IOException | RuntimeException e) {
      throw corrupt(bytes, e);
    }
    if (body.available() > 0) {
      throw new RecordDecodingException(
          ReasonCode.UNDECODABLE,
          body.available()
              + " unexpected bytes after a "
              + schema.getName()
              + " of "
              + (bytes.length - body.available())
              + " bytes");
    }
  }

  private RecordDecodingException corrupt(byte[] bytes, Exception e) {
    return new RecordDecodingException(
        ReasonCode.UNDECODABLE,
        "truncated or corrupt "
            + schema.getName()
            + " body ("
            + bytes.length
            + " bytes): "
            + RecordDecodingException.rootCause(e),
        e);
  }

  private static String notSingleObject(byte[] bytes, String why) {
    return "not a single-object encoded record (" + bytes.length + " bytes): " + why;
  }

  /**
   * The fingerprint in a single-object header: bytes 2..9, little-endian (the caller checked the
   * length).
   */
  static long fingerprint(byte[] bytes) {
    long fp = 0;
    for (int i = HEADER_BYTES - 1; i >= 2; i--) {
      fp = (fp << 8) | (bytes[i] & 0xFF);
    }
    return fp;
  }

  private String unknownSchema(long fp) {
    String hex = String.format("%016x", fp);
    return history
        .find(fp)
        .map(
            v ->
                "writer schema "
                    + hex
                    + " is "
                    + v.fullName()
                    + " v"
                    + v.version()
                    + ", expected "
                    + schema.getFullName())
        .orElse(
            "unknown writer schema fingerprint "
                + hex
                + ": not a shipped "
                + schema.getName()
                + " version (a writer newer than this reader?)");
  }
}
