package io.igdstream.schemas.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.ReasonCode;
import io.igdstream.schemas.RecordDecodingException;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.Tensors;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {

  private final AvroSerde<ImageSample> serde = AvroSerde.of(ImageSample.class);

  private static ImageSample sample() {
    return ImageSample.newBuilder()
        .setId("train-000001")
        .setSplit(Split.TRAIN)
        .setLabel(3)
        .setClasses(10)
        .setImage(Tensors.of(new float[] {0f, 0.5f, 1f, 0.25f}, 1, 2, 2))
        .setDataset("x")
        .build();
  }

  @Test
  void roundTripsARecordWithTheSingleObjectHeader() {
    byte[] bytes = serde.serializer().serialize("t", sample());
    assertEquals((byte) 0xC3, bytes[0]);
    assertEquals((byte) 0x01, bytes[1]);
    ImageSample back = serde.deserializer().deserialize("t", bytes);
    assertEquals(sample(), back);
    assertArrayEquals(Tensors.floats(sample().getImage()), Tensors.floats(back.getImage()));
  }

  @Test
  void nullStaysNullForTombstones() {
    assertNull(serde.serializer().serialize("t", null));
    assertNull(serde.deserializer().deserialize("t", null));
  }

  @Test
  void garbageIsADecodingErrorWithItsReason() {
    RecordDecodingException e =
        assertThrows(
            RecordDecodingException.class,
            () -> serde.deserializer().deserialize("t", new byte[] {1, 2, 3}));
    assertEquals(ReasonCode.UNDECODABLE, e.reason());
  }
}
