package io.igdstream.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** AvroCodec: round trips of every record type, and what malformed bytes turn into. */
class AvroCodecTest {

  static Stream<SpecificRecord> everyRecordType() {
    return Stream.of(
        Fixtures.imageSample(),
        Fixtures.adversarialSample(),
        Fixtures.corruptedSample(),
        Fixtures.snapshotHeader(),
        Fixtures.snapshotChunk(),
        Fixtures.robustnessReport(),
        Fixtures.deadLetter(new byte[] {7, 7}),
        Fixtures.deadLetter(null));
  }

  @ParameterizedTest
  @MethodSource("everyRecordType")
  <T extends SpecificRecord> void everyRecordTypeRoundTripsWithItsFingerprintInTheHeader(T record) {
    @SuppressWarnings("unchecked")
    AvroCodec<T> codec = AvroCodec.of((Class<T>) record.getClass());
    byte[] bytes = codec.encode(record);
    assertEquals((byte) 0xC3, bytes[0]);
    assertEquals((byte) 0x01, bytes[1]);
    assertEquals(SchemaHistory.fingerprint(record.getSchema()), AvroCodec.fingerprint(bytes));
    T back = codec.decode(bytes);
    assertEquals(record, back);
    // Not byte-identical in general: map entries are written in the map's iteration order.
    assertEquals(bytes.length, codec.encode(back).length);
  }

  @Test
  void decodedTensorsAndNullablesKeepTheirValues() {
    AvroCodec<RobustnessReport> reports = AvroCodec.of(RobustnessReport.class);
    RobustnessReport r = reports.decode(reports.encode(Fixtures.robustnessReport()));
    assertEquals(0.73, r.getPgd20Accuracy());
    assertNull(r.getGiniRegional());
    assertNull(r.getIoaWhite());
    assertEquals(30.25, r.getSeconds().get("pgd20"));
    AvroCodec<AdversarialSample> codec = AvroCodec.of(AdversarialSample.class);
    AdversarialSample a = codec.decode(codec.encode(Fixtures.adversarialSample()));
    assertArrayEquals(Fixtures.gradient(28 * 28, 3), Tensors.floats(a.getTeacherGradient()));
    assertArrayEquals(Fixtures.pixels(28 * 28, 2), Tensors.floats(a.getXAdv()));
    AvroCodec<DeadLetter> letters = AvroCodec.of(DeadLetter.class);
    assertNull(letters.decode(letters.encode(Fixtures.deadLetter(null))).getKey());
  }

  @Test
  void encodedBytesAreNotReusedByTheNextEncode() {
    AvroCodec<ImageSample> codec = AvroCodec.of(ImageSample.class);
    ImageSample first = Fixtures.imageSample();
    byte[] bytes = codec.encode(first);
    codec.encode(
        ImageSample.newBuilder(first).setId("another-id-of-the-same-length").setLabel(4).build());
    assertEquals(first, codec.decode(bytes));
  }

  @Test
  void garbageIsUndecodable() {
    AvroCodec<ImageSample> codec = AvroCodec.of(ImageSample.class);
    byte[] random = new byte[64];
    new SplittableRandom(1).nextBytes(random);
    random[0] = 0x55;
    for (byte[] garbage :
        List.of(
            random, new byte[0], new byte[] {(byte) 0xC3, 0x01, 1, 2}, "hello, world".getBytes())) {
      RecordDecodingException e =
          assertThrows(RecordDecodingException.class, () -> codec.decode(garbage));
      assertEquals(ReasonCode.UNDECODABLE, e.reason(), e.getMessage());
      assertOneLine(e);
    }
  }

  @Test
  void aTruncatedBodyIsUndecodable() {
    AvroCodec<AdversarialSample> codec = AvroCodec.of(AdversarialSample.class);
    byte[] bytes = codec.encode(Fixtures.adversarialSample());
    for (int length : new int[] {10, 11, 200, bytes.length / 2, bytes.length - 1}) {
      byte[] cut = Arrays.copyOf(bytes, length);
      RecordDecodingException e =
          assertThrows(RecordDecodingException.class, () -> codec.decode(cut), "cut at " + length);
      assertEquals(ReasonCode.UNDECODABLE, e.reason(), e.getMessage());
      assertOneLine(e);
    }
  }

  @Test
  void trailingBytesAreUndecodable() {
    AvroCodec<ImageSample> codec = AvroCodec.of(ImageSample.class);
    byte[] bytes = codec.encode(Fixtures.imageSample());
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 3);
    RecordDecodingException e =
        assertThrows(RecordDecodingException.class, () -> codec.decode(longer));
    assertEquals(ReasonCode.UNDECODABLE, e.reason());
    assertTrue(e.getMessage().startsWith("3 unexpected bytes"), e.getMessage());
  }

  @Test
  void aBodyClaimingHugeLengthsIsUndecodableWithoutAllocatingThem() {
    // Plain Avro would allocate a claimed length before reading it: a 2 GiB string in a 2 GiB
    // heap is an OutOfMemoryError, which assertThrows would report as the wrong exception.
    AvroCodec<ImageSample> codec = AvroCodec.of(ImageSample.class);
    byte[] header = Arrays.copyOf(codec.encode(Fixtures.imageSample()), 10);
    ByteArrayOutputStream hugeId = new ByteArrayOutputStream();
    hugeId.writeBytes(header);
    writeVarLong(hugeId, Integer.MAX_VALUE - 16); // the id's length
    hugeId.writeBytes("abc".getBytes());
    ByteArrayOutputStream hugeShape = new ByteArrayOutputStream();
    hugeShape.writeBytes(header);
    hugeShape.writeBytes(new byte[] {2, 'a', 0, 6, 20}); // id "a", TRAIN, label 3, classes 10
    writeVarLong(hugeShape, 1L << 40); // the shape's item count
    hugeShape.writeBytes(new byte[] {2, 2, 2});
    for (ByteArrayOutputStream out : List.of(hugeId, hugeShape)) {
      RecordDecodingException e =
          assertThrows(RecordDecodingException.class, () -> codec.decode(out.toByteArray()));
      assertEquals(ReasonCode.UNDECODABLE, e.reason(), e.getMessage());
    }
  }

  /** Avro's zig-zag variable-length long. */
  private static void writeVarLong(ByteArrayOutputStream out, long value) {
    long n = (value << 1) ^ (value >> 63);
    while ((n & ~0x7FL) != 0) {
      out.write((int) ((n & 0x7F) | 0x80));
      n >>>= 7;
    }
    out.write((int) n);
  }

  @Test
  void aSchemaNotInTheStoreIsUnknown() {
    // An ImageSample-like record of a schema that was never shipped.
    Schema foreign =
        SchemaBuilder.record("ImageSample")
            .namespace("io.igdstream.schemas")
            .fields()
            .requiredString("id")
            .requiredInt("bogus")
            .endRecord();
    GenericRecord r = new GenericData.Record(foreign);
    r.put("id", "x");
    r.put("bogus", 1);
    byte[] bytes = encodeGeneric(foreign, r);
    RecordDecodingException e =
        assertThrows(
            RecordDecodingException.class, () -> AvroCodec.of(ImageSample.class).decode(bytes));
    assertEquals(ReasonCode.UNKNOWN_SCHEMA, e.reason());
    assertTrue(
        e.getMessage().contains(String.format("%016x", SchemaHistory.fingerprint(foreign))),
        e.getMessage());
    assertOneLine(e);
  }

  @Test
  void anotherRecordTypeIsAnUnknownSchemaNamedInTheMessage() {
    byte[] adversarial = AvroCodec.of(AdversarialSample.class).encode(Fixtures.adversarialSample());
    RecordDecodingException e =
        assertThrows(
            RecordDecodingException.class,
            () -> AvroCodec.of(ImageSample.class).decode(adversarial));
    assertEquals(ReasonCode.UNKNOWN_SCHEMA, e.reason());
    assertTrue(
        e.getMessage().contains("AdversarialSample v1, expected io.igdstream.schemas.ImageSample"),
        e.getMessage());
  }

  @Test
  void aDeadLetterCarriesTheReasonAndTheRawBytes() {
    byte[] raw = {9, 8, 7};
    RecordDecodingException problem =
        assertThrows(
            RecordDecodingException.class, () -> AvroCodec.of(ImageSample.class).decode(raw));
    DeadLetter letter = DeadLetters.of("fmnist.samples", 1, 5L, null, raw, problem, 10L);
    assertEquals(ReasonCode.UNDECODABLE, letter.getReasonCode());
    assertEquals(problem.getMessage(), letter.getReason());
    assertArrayEquals(raw, Fixtures.bytes(letter.getRaw()));
    assertNull(letter.getKey());
    assertNotNull(
        AvroCodec.of(DeadLetter.class).decode(AvroCodec.of(DeadLetter.class).encode(letter)));
  }

  static byte[] encodeGeneric(Schema schema, GenericRecord record) {
    try {
      return Fixtures.bytes(
          new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(record));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static void assertOneLine(RuntimeException e) {
    assertFalse(e.getMessage().isBlank());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
  }
}
