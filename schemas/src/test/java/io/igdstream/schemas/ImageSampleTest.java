package io.igdstream.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.apache.avro.message.BadHeaderException;
import org.junit.jupiter.api.Test;

/** ImageSample in Avro single-object encoding: what ingest will write to {ns}.samples. */
class ImageSampleTest {

  @Test
  void roundTripsThroughSingleObjectEncoding() throws Exception {
    float[] pixels = {0f, 0.25f, 0.5f, 1f};
    ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    for (float p : pixels) {
      data.putFloat(p);
    }
    data.flip();
    ImageSample sample =
        ImageSample.newBuilder()
            .setId("train-000001")
            .setSplit(Split.TRAIN)
            .setLabel(3)
            .setClasses(10)
            .setImage(Tensor.newBuilder().setShape(List.of(1, 2, 2)).setData(data).build())
            .build();
    ByteBuffer encoded = sample.toByteBuffer();
    // Single-object encoding: marker C3 01, then the schema's 8-byte fingerprint.
    assertEquals((byte) 0xC3, encoded.get(0));
    assertEquals((byte) 0x01, encoded.get(1));
    ImageSample decoded = ImageSample.fromByteBuffer(encoded);
    assertEquals(sample.getId(), decoded.getId());
    assertEquals(Split.TRAIN, decoded.getSplit());
    assertEquals(3, decoded.getLabel());
    assertEquals(List.of(1, 2, 2), decoded.getImage().getShape());
    ByteBuffer back = decoded.getImage().getData().order(ByteOrder.LITTLE_ENDIAN);
    float[] values = new float[4];
    for (int i = 0; i < 4; i++) {
      values[i] = back.getFloat(i * 4);
    }
    assertArrayEquals(pixels, values);
  }

  @Test
  void garbageIsRejectedWithABadHeader() {
    assertThrows(
        BadHeaderException.class,
        () ->
            ImageSample.fromByteBuffer(
                ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})));
  }
}
