package io.igdstream.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class TensorsTest {

  @Test
  void valuesAreLittleEndianFloat32InRowMajorOrder() {
    Tensor t = Tensors.of(new float[] {1f, -2.5f, 0.25f, 3f, 4f, 5f}, 1, 2, 3);
    assertEquals(List.of(1, 2, 3), t.getShape());
    byte[] data = Fixtures.bytes(t.getData());
    assertEquals(24, data.length);
    int bits = Float.floatToIntBits(-2.5f);
    assertArrayEquals(
        new byte[] {(byte) bits, (byte) (bits >> 8), (byte) (bits >> 16), (byte) (bits >> 24)},
        java.util.Arrays.copyOfRange(data, 4, 8));
    assertArrayEquals(new float[] {1f, -2.5f, 0.25f, 3f, 4f, 5f}, Tensors.floats(t));
    assertArrayEquals(new int[] {1, 2, 3}, Tensors.shape(t));
  }

  @Test
  void floatsLeavesTheBufferPositionAlone() {
    Tensor t = Tensors.of(new float[] {1f, 2f}, 2);
    Tensors.floats(t);
    assertEquals(0, t.getData().position());
    assertArrayEquals(new float[] {1f, 2f}, Tensors.floats(t));
  }

  @Test
  void ofRejectsAShapeThatDoesNotFitTheValues() {
    assertThrows(IllegalArgumentException.class, () -> Tensors.of(new float[5], 2, 3));
    assertThrows(IllegalArgumentException.class, () -> Tensors.of(new float[0], 0, 3));
    assertThrows(IllegalArgumentException.class, () -> Tensors.of(new float[6], -2, -3));
  }

  @Test
  void floatsRejectsDataThatIsNotWholeFloats() {
    Tensor t =
        Tensor.newBuilder().setShape(List.of(1)).setData(ByteBuffer.wrap(new byte[5])).build();
    assertEquals(
        ReasonCode.SHAPE_MISMATCH,
        assertThrows(RecordDecodingException.class, () -> Tensors.floats(t)).reason());
  }
}
