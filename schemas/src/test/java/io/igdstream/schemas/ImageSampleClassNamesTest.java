package io.igdstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/**
 * ImageSample v3's {@code class_names}: written and read back, and {@code []} for records of the v2
 * writers already on topics.
 */
class ImageSampleClassNamesTest {

  private static final AvroCodec<ImageSample> CODEC = AvroCodec.of(ImageSample.class);

  @Test
  void classNamesSurviveEncodingAndDefaultToEmpty() {
    ImageSample named =
        ImageSample.newBuilder(Fixtures.imageSample())
            .setClassNames(List.of("cat", "dog", "ship"))
            .build();
    assertEquals(List.of("cat", "dog", "ship"), CODEC.decode(CODEC.encode(named)).getClassNames());
    assertEquals(List.of(), Fixtures.imageSample().getClassNames());
  }

  @Test
  void aV2RecordIsReadWithNoClassNames() {
    Schema v2 =
        SchemaHistory.shipped().versionsOf("io.igdstream.schemas.ImageSample").stream()
            .filter(v -> v.version() == 2)
            .findFirst()
            .orElseThrow()
            .schema();
    GenericRecord tensor = new GenericData.Record(v2.getField("image").schema());
    tensor.put("shape", List.of(1, 28, 28));
    tensor.put("data", Fixtures.image(1).getData());
    GenericRecord r = new GenericData.Record(v2);
    r.put("id", "test-000007");
    r.put("split", new GenericData.EnumSymbol(v2.getField("split").schema(), "TEST"));
    r.put("label", 2);
    r.put("classes", 3);
    r.put("image", tensor);
    r.put("dataset", "folder:x");

    ImageSample s = CODEC.decode(AvroCodecTest.encodeGeneric(v2, r));

    assertEquals("test-000007", s.getId());
    assertEquals("folder:x", s.getDataset());
    assertEquals(List.of(), s.getClassNames());
  }
}
