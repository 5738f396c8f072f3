package io.igdstream.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;

/**
 * Schema evolution without a registry: the shipped history resolves older writers; the current
 * schemas are archived and readable from every older version of their type.
 */
class SchemaEvolutionTest {

  private static final SchemaHistory HISTORY = SchemaHistory.shipped();

  private static Schema imageSampleV1() {
    return HISTORY.versionsOf("io.igdstream.schemas.ImageSample").stream()
        .filter(v -> v.version() == 1)
        .findFirst()
        .orElseThrow()
        .schema();
  }

  private static GenericRecord v1Record(Schema v1) {
    Schema tensorSchema = v1.getField("image").schema();
    GenericRecord tensor = new GenericData.Record(tensorSchema);
    tensor.put("shape", List.of(1, 28, 28));
    tensor.put("data", Fixtures.image(1).getData());
    GenericRecord r = new GenericData.Record(v1);
    r.put("id", "train-000042");
    r.put("split", new GenericData.EnumSymbol(v1.getField("split").schema(), "TEST"));
    r.put("label", 5);
    r.put("classes", 10);
    r.put("image", tensor);
    return r;
  }

  @Test
  void aRecordWrittenWithImageSampleV1IsReadByTheCurrentReaderWithTheDefaultDataset() {
    Schema v1 = imageSampleV1();
    assertNotEquals(
        SchemaHistory.fingerprint(v1), SchemaHistory.fingerprint(ImageSample.getClassSchema()));
    byte[] bytes = AvroCodecTest.encodeGeneric(v1, v1Record(v1));
    assertEquals(SchemaHistory.fingerprint(v1), AvroCodec.fingerprint(bytes));

    ImageSample s = AvroCodec.of(ImageSample.class).decode(bytes);
    assertEquals("train-000042", s.getId());
    assertEquals(Split.TEST, s.getSplit());
    assertEquals(5, s.getLabel());
    assertEquals("", s.getDataset());
    assertArrayEquals(Tensors.floats(Fixtures.image(1)), Tensors.floats(s.getImage()));
  }

  private static Schema robustnessReportV1() {
    return HISTORY.versionsOf("io.igdstream.schemas.RobustnessReport").stream()
        .filter(v -> v.version() == 1)
        .findFirst()
        .orElseThrow()
        .schema();
  }

  private static GenericRecord fractionError(
      Schema v1, String field, double fraction, double errorRate) {
    GenericRecord e = new GenericData.Record(v1.getField(field).schema().getElementType());
    e.put("fraction", fraction);
    e.put("error_rate", errorRate);
    return e;
  }

  private static GenericRecord robustnessReportV1Record(Schema v1) {
    GenericRecord corruption =
        new GenericData.Record(v1.getField("corruptions").schema().getElementType());
    corruption.put("name", "gaussian_noise");
    corruption.put("severity", 3);
    corruption.put("error_rate", 0.25);
    GenericRecord r = new GenericData.Record(v1);
    r.put("model_id", "igd-small-cnn");
    r.put("snapshot_version", 17L);
    r.put("dataset", "fashion-mnist");
    r.put("samples", 1000);
    r.put("joint_correct", 812);
    r.put("seed", 1L);
    r.put("clean_accuracy", 0.91);
    r.put("pgd20_accuracy", 0.73);
    r.put("gini_pixel", 0.62);
    r.put("gini_regional", null);
    r.put(
        "ina_add",
        List.of(fractionError(v1, "ina_add", 0.1, 0.05), fractionError(v1, "ina_add", 0.2, 0.11)));
    r.put("ina_replace", List.of(fractionError(v1, "ina_replace", 0.1, 0.07)));
    r.put("rn", List.of());
    r.put("ioa_grey", 0.2);
    r.put("ioa_white", null);
    r.put("corruptions", List.of(corruption));
    r.put("seconds", Map.of("clean", 1.5));
    r.put("created_at_ms", 1_700_000_000_000L);
    return r;
  }

  @Test
  void aRobustnessReportWrittenWithV1IsReadByTheCurrentReaderWithTheNewFieldsAtTheirDefaults() {
    Schema v1 = robustnessReportV1();
    assertNotEquals(
        SchemaHistory.fingerprint(v1),
        SchemaHistory.fingerprint(RobustnessReport.getClassSchema()));
    byte[] bytes = AvroCodecTest.encodeGeneric(v1, robustnessReportV1Record(v1));
    assertEquals(SchemaHistory.fingerprint(v1), AvroCodec.fingerprint(bytes));

    RobustnessReport r = AvroCodec.of(RobustnessReport.class).decode(bytes);
    assertEquals("", r.getArchitecture());
    assertEquals("", r.getMethod());
    assertNull(r.getPgdEps());
    assertNull(r.getPgdSteps());
    // v1's required doubles land in the union's double branch of v2
    assertEquals(0.62, r.getGiniPixel());
    assertEquals(0.2, r.getIoaGrey());
    assertEquals("igd-small-cnn", r.getModelId());
    assertEquals(17L, r.getSnapshotVersion());
    assertEquals("fashion-mnist", r.getDataset());
    assertEquals(1000, r.getSamples());
    assertEquals(812, r.getJointCorrect());
    assertEquals(1L, r.getSeed());
    assertEquals(0.91, r.getCleanAccuracy());
    assertEquals(0.73, r.getPgd20Accuracy());
    assertNull(r.getGiniRegional());
    assertNull(r.getIoaWhite());
    assertEquals(
        List.of(new FractionError(0.1, 0.05), new FractionError(0.2, 0.11)), r.getInaAdd());
    assertEquals(List.of(new FractionError(0.1, 0.07)), r.getInaReplace());
    assertEquals(List.of(), r.getRn());
    assertEquals(List.of(new CorruptionError("gaussian_noise", 3, 0.25)), r.getCorruptions());
    assertEquals(Map.of("clean", 1.5), r.getSeconds());
    assertEquals(1_700_000_000_000L, r.getCreatedAtMs());
  }

  private static Schema robustnessReport(int version) {
    return HISTORY.versionsOf("io.igdstream.schemas.RobustnessReport").stream()
        .filter(v -> v.version() == version)
        .findFirst()
        .orElseThrow()
        .schema();
  }

  /** A v3 report with an AutoAttack run: 9 of 10 points robust after APGD-CE, 8 after APGD-T. */
  static RobustnessReport robustnessReportWithAutoAttack() {
    return RobustnessReport.newBuilder()
        .setModelId("igd-small-cnn")
        .setSnapshotVersion(30L)
        .setArchitecture("small-cnn")
        .setMethod("igd")
        .setDataset("fashion-mnist")
        .setSamples(10)
        .setJointCorrect(9)
        .setSeed(0L)
        .setCleanAccuracy(1.0)
        .setPgd20Accuracy(0.8)
        .setPgdEps(0.1)
        .setPgdSteps(20)
        .setInaAdd(List.of())
        .setInaReplace(List.of())
        .setRn(List.of())
        .setCorruptions(List.of())
        .setSeconds(Map.of("autoattack", 4.0))
        .setCreatedAtMs(1_700_000_000_000L)
        .setAutoattack(
            AutoAttackRun.newBuilder()
                .setVersion("apgd")
                .setNorm("linf")
                .setEps(0.1)
                .setNPoints(10)
                .setCleanAccuracy(1.0)
                .setRobustAccuracy(0.8)
                .setAttacks(
                    List.of(
                        new AutoAttackMember("apgd-ce", 10, 1, 0.9, 0L, 1.5),
                        new AutoAttackMember("apgd-t", 9, 1, 0.8, 0L, 2.5)))
                .setRobust(java.nio.ByteBuffer.wrap(new byte[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0}))
                .setNotes(List.of())
                .build())
        .build();
  }

  @Test
  void aV2ReportIsReadByTheV3ReaderWithoutAutoAttack() {
    Schema v2 = robustnessReport(2);
    assertNull(v2.getField("autoattack"));
    GenericRecord r = new GenericData.Record(v2);
    for (Schema.Field f : v2.getFields()) {
      if (f.hasDefaultValue()) {
        r.put(f.name(), GenericData.get().getDefaultValue(f));
      }
    }
    GenericRecord v1Fields = robustnessReportV1Record(robustnessReportV1());
    robustnessReportV1().getFields().forEach(f -> r.put(f.name(), v1Fields.get(f.name())));
    // the v1 element records of ina_add etc. have the same fields as v2's
    GenericRecord fe = new GenericData.Record(v2.getField("rn").schema().getElementType());
    fe.put("fraction", 0.5);
    fe.put("error_rate", 0.25);
    r.put("ina_add", List.of(fe));
    r.put("ina_replace", List.of());
    GenericRecord ce = new GenericData.Record(v2.getField("corruptions").schema().getElementType());
    ce.put("name", "fog");
    ce.put("severity", 1);
    ce.put("error_rate", 0.5);
    r.put("corruptions", List.of(ce));
    r.put("architecture", "small-cnn");
    byte[] bytes = AvroCodecTest.encodeGeneric(v2, r);

    RobustnessReport read = AvroCodec.of(RobustnessReport.class).decode(bytes);
    assertEquals("small-cnn", read.getArchitecture());
    assertEquals(0.73, read.getPgd20Accuracy());
    assertNull(read.getAutoattack(), "a v2 writer never ran AutoAttack");
  }

  @Test
  void aV3ReportWithAutoAttackRoundTripsAndAV2ReaderWithV3InItsHistorySkipsIt() throws IOException {
    RobustnessReport v3Record = robustnessReportWithAutoAttack();
    byte[] bytes = AvroCodec.of(RobustnessReport.class).encode(v3Record);
    RobustnessReport back = AvroCodec.of(RobustnessReport.class).decode(bytes);
    assertEquals(v3Record, back);
    assertEquals(0.8, back.getAutoattack().getRobustAccuracy());
    assertEquals(1, back.getAutoattack().getAttacks().get(1).getBroken());

    SchemaStore.Cache upgraded = new SchemaStore.Cache();
    upgraded.addSchema(RobustnessReport.getClassSchema());
    GenericRecord old =
        new BinaryMessageDecoder<GenericRecord>(GenericData.get(), robustnessReport(2), upgraded)
            .decode(bytes);
    assertEquals("igd-small-cnn", old.get("model_id").toString());
    assertEquals(0.8, old.get("pgd20_accuracy"));
    assertFalse(old.hasField("autoattack"));
  }

  @Test
  void withoutV1InItsHistoryTheCurrentReaderCannotReadV1() {
    Schema v1 = imageSampleV1();
    byte[] bytes = AvroCodecTest.encodeGeneric(v1, v1Record(v1));
    AvroCodec<ImageSample> currentOnly =
        AvroCodec.of(ImageSample.class, SchemaHistory.of(List.of(ImageSample.getClassSchema())));
    assertEquals(
        ReasonCode.UNKNOWN_SCHEMA,
        assertThrows(RecordDecodingException.class, () -> currentOnly.decode(bytes)).reason());
  }

  /**
   * The reverse case, documented: a reader built before v2 (reader schema v1, store of v1 only)
   * cannot resolve a v2 writer's fingerprint, since single-object encoding carries no schema. So
   * upgrade readers before writers: once a reader's history holds v2, the v1 reader reads v2
   * records and skips the new field.
   */
  @Test
  void anOldReaderReadsNewWritersOnlyOnceItsHistoryHoldsTheNewSchema() throws IOException {
    Schema v1 = imageSampleV1();
    Schema v2 = ImageSample.getClassSchema();
    byte[] v2Bytes = AvroCodec.of(ImageSample.class).encode(Fixtures.imageSample());

    BinaryMessageDecoder<GenericRecord> oldReader =
        new BinaryMessageDecoder<>(GenericData.get(), v1, new SchemaStore.Cache());
    assertThrows(MissingSchemaException.class, () -> oldReader.decode(v2Bytes));

    SchemaStore.Cache upgraded = new SchemaStore.Cache();
    upgraded.addSchema(v2);
    GenericRecord r =
        new BinaryMessageDecoder<GenericRecord>(GenericData.get(), v1, upgraded).decode(v2Bytes);
    assertEquals("train-000001", r.get("id").toString());
    assertFalse(r.hasField("dataset"));
  }

  @Test
  void everyCurrentSchemaIsArchivedInTheHistory() {
    for (Class<?> type : SchemaHistory.RECORD_TYPES) {
      Schema current = SpecificData.get().getSchema(type);
      long fp = SchemaHistory.fingerprint(current);
      assertTrue(
          HISTORY.find(fp).isPresent(),
          current.getName()
              + " changed (fingerprint "
              + String.format("%016x", fp)
              + "): archive it as a new "
              + current.getName()
              + "-vN.avsc in history/ and list it in INDEX");
      assertEquals(current.getFullName(), HISTORY.find(fp).orElseThrow().fullName());
    }
  }

  @Test
  void theCurrentReaderOfEveryTypeReadsEveryArchivedWriterOfIt() {
    Set<String> types = new HashSet<>();
    for (Class<?> type : SchemaHistory.RECORD_TYPES) {
      Schema reader = SpecificData.get().getSchema(type);
      types.add(reader.getFullName());
      List<SchemaHistory.Version> versions = HISTORY.versionsOf(reader.getFullName());
      assertFalse(versions.isEmpty(), reader.getName());
      for (int i = 0; i < versions.size(); i++) {
        SchemaHistory.Version writer = versions.get(i);
        assertEquals(
            i + 1,
            writer.version(),
            writer.file() + ": versions are numbered 1, 2, ... in INDEX order");
        SchemaCompatibility.SchemaPairCompatibility c =
            SchemaCompatibility.checkReaderWriterCompatibility(reader, writer.schema());
        assertEquals(
            SchemaCompatibilityType.COMPATIBLE,
            c.getType(),
            writer.file() + ": " + c.getDescription());
      }
    }
    for (SchemaHistory.Version v : HISTORY.versions()) {
      assertTrue(types.contains(v.fullName()), v.file() + " is of no current record type");
    }
  }

  @Test
  void theIndexListsExactlyTheArchivedFiles() throws IOException {
    Path dir = Path.of("src/main/resources" + SchemaHistory.DIRECTORY);
    List<String> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".avsc"))
          .sorted()
          .forEach(files::add);
    }
    List<String> indexed = new ArrayList<>(SchemaHistory.indexEntries());
    indexed.sort(null);
    assertEquals(files, indexed);
  }

  @Test
  void avroTrustsEveryGeneratedClass() {
    Set<String> trusted = new HashSet<>();
    TrustedClasses.GENERATED.forEach(c -> trusted.add(c.getName()));
    Set<String> named = new HashSet<>();
    for (Class<?> type : SchemaHistory.RECORD_TYPES) {
      collectNamedTypes(SpecificData.get().getSchema(type), named);
    }
    assertEquals(named, trusted);
  }

  private static void collectNamedTypes(Schema s, Set<String> into) {
    switch (s.getType()) {
      case RECORD -> {
        if (into.add(s.getFullName())) {
          s.getFields().forEach(f -> collectNamedTypes(f.schema(), into));
        }
      }
      case ENUM, FIXED -> into.add(s.getFullName());
      case ARRAY -> collectNamedTypes(s.getElementType(), into);
      case MAP -> collectNamedTypes(s.getValueType(), into);
      case UNION -> s.getTypes().forEach(t -> collectNamedTypes(t, into));
      default -> {}
    }
  }
}
