package io.igdstream.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SchemaCatalog}: fingerprints are Avro's, the header bytes are what {@link AvroCodec}
 * writes, the topics are {@link TopicNames}', and the .avsc files parse back to the same schemas.
 */
class SchemaCatalogTest {

  private final SchemaCatalog catalog = SchemaCatalog.of(new TopicNames("NS"));

  @Test
  void fingerprintsAreAvrosParsingFingerprint64AndAreInTheShippedHistory() {
    assertEquals(SchemaHistory.RECORD_TYPES.size(), catalog.entries().size());
    for (SchemaCatalog.Entry e : catalog.entries()) {
      long expected = SchemaNormalization.parsingFingerprint64(e.schema());
      assertEquals(expected, e.fingerprint(), e.fullName());
      assertEquals(Long.toHexString(expected), e.fingerprintHex().replaceFirst("^0+(?=.)", ""));
      assertEquals(16, e.fingerprintHex().length());
      assertTrue(SchemaHistory.shipped().find(expected).isPresent(), e.fullName());
    }
  }

  @Test
  void headerBytesAreWhatTheProjectsEncoderWrites() {
    Map<String, SpecificRecord> samples =
        Map.of(
            "ImageSample", Fixtures.imageSample(),
            "AdversarialSample", Fixtures.adversarialSample(),
            "CorruptedSample", Fixtures.corruptedSample(),
            "SnapshotHeader", Fixtures.snapshotHeader(),
            "SnapshotChunk", Fixtures.snapshotChunk(),
            "RobustnessReport", Fixtures.robustnessReport(),
            "DeadLetter", Fixtures.deadLetter(new byte[] {1}));
    for (SchemaCatalog.Entry e : catalog.entries()) {
      SpecificRecord record = samples.get(e.simpleName());
      byte[] encoded = encode(record);
      assertArrayEquals(Arrays.copyOf(encoded, 10), e.header(), e.fullName());
      assertEquals(
          e.headerHex().replace(" ", ""),
          String.format("C301%s", littleEndianHex(e.fingerprint())),
          e.fullName());
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static byte[] encode(SpecificRecord record) {
    return AvroCodec.of((Class) record.getClass()).encode(record);
  }

  private static String littleEndianHex(long v) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      s.append(String.format("%02X", (v >>> (8 * i)) & 0xff));
    }
    return s.toString();
  }

  @Test
  void eachTypeGoesToItsTopic() {
    assertEquals("NS.samples", catalog.entry("ImageSample").topic());
    assertEquals("NS.train.adversarial", catalog.entry("AdversarialSample").topic());
    assertEquals("NS.test.corrupted", catalog.entry("CorruptedSample").topic());
    assertEquals("NS.snapshots", catalog.entry("SnapshotHeader").topic());
    assertEquals("NS.snapshots", catalog.entry("io.igdstream.schemas.SnapshotChunk").topic());
    assertEquals("NS.reports", catalog.entry("RobustnessReport").topic());
    assertEquals("NS.dlq", catalog.entry("DeadLetter").topic());
    assertThrows(IllegalArgumentException.class, () -> catalog.entry("Nope"));
  }

  @Test
  void avscFilesParseBackToTheSameSchemas(@TempDir Path dir) throws IOException {
    List<Path> files = catalog.writeAvsc(dir.resolve("avsc"));

    assertEquals(catalog.entries().size(), files.size());
    for (SchemaCatalog.Entry e : catalog.entries()) {
      Path file = dir.resolve("avsc").resolve(e.simpleName() + ".avsc");
      assertTrue(files.contains(file));
      Schema parsed = new Schema.Parser().parse(Files.readString(file));
      assertEquals(e.schema(), parsed, e.fullName());
      assertEquals(e.fingerprint(), SchemaNormalization.parsingFingerprint64(parsed));
    }
  }

  @Test
  void theListingShowsTopicFingerprintAndHeaderOfEveryType() {
    String text = catalog.render();
    for (SchemaCatalog.Entry e : catalog.entries()) {
      assertTrue(text.contains(e.fullName() + "\n  topic:       " + e.topic()), e.fullName());
      assertTrue(text.contains("fingerprint: " + e.fingerprintHex()), e.fullName());
      assertTrue(text.contains("header:      " + e.headerHex()), e.fullName());
    }
  }
}
