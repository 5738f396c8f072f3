package io.igdstream.schemas;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Each validation failure with its dead-letter reason code, per record type. */
class ValidatorsTest {

  private static final int[] SHAPE = Fixtures.SHAPE;

  private static void assertRejected(ReasonCode code, String messagePart, Executable validation) {
    RecordDecodingException e = assertThrows(RecordDecodingException.class, validation);
    assertEquals(code, e.reason(), e.getMessage());
    assertTrue(
        e.getMessage().contains(messagePart),
        "'" + e.getMessage() + "' should mention '" + messagePart + "'");
    AvroCodecTest.assertOneLine(e);
  }

  private static Tensor withValue(Tensor t, int index, float value) {
    float[] v = Tensors.floats(t);
    v[index] = value;
    return Tensors.of(v, Tensors.shape(t));
  }

  @Test
  void validRecordsPass() {
    assertDoesNotThrow(() -> Validators.validate(Fixtures.imageSample(), SHAPE));
    assertDoesNotThrow(() -> Validators.validate(Fixtures.adversarialSample(), SHAPE));
    assertDoesNotThrow(() -> Validators.validate(Fixtures.corruptedSample(), SHAPE));
    assertDoesNotThrow(() -> Validators.validate(Fixtures.snapshotChunk(), 1024));
    assertDoesNotThrow(() -> Validators.validate(Fixtures.snapshotHeader(), 1024));
  }

  @Test
  void dataLengthThatDoesNotFitTheShapeIsAShapeMismatch() {
    Tensor shortData =
        Tensor.newBuilder()
            .setShape(List.of(1, 28, 28))
            .setData(ByteBuffer.allocate(4 * 28 * 28 - 4))
            .build();
    ImageSample s = ImageSample.newBuilder(Fixtures.imageSample()).setImage(shortData).build();
    assertRejected(
        ReasonCode.SHAPE_MISMATCH,
        "image has 3132 data bytes",
        () -> Validators.validate(s, SHAPE));
    Tensor zeroDim =
        Tensor.newBuilder().setShape(List.of(1, 0, 28)).setData(ByteBuffer.allocate(0)).build();
    assertRejected(
        ReasonCode.SHAPE_MISMATCH,
        "dimension <= 0",
        () -> Validators.validate(ImageSample.newBuilder(s).setImage(zeroDim).build(), SHAPE));
  }

  @Test
  void aShapeOtherThanTheDatasetsIsAShapeMismatch() {
    ImageSample s =
        ImageSample.newBuilder(Fixtures.imageSample())
            .setImage(Tensors.of(new float[3 * 28 * 28], 3, 28, 28))
            .build();
    assertRejected(
        ReasonCode.SHAPE_MISMATCH, "expected [1, 28, 28]", () -> Validators.validate(s, SHAPE));
    AdversarialSample a =
        AdversarialSample.newBuilder(Fixtures.adversarialSample())
            .setTeacherGradient(Tensors.of(new float[28 * 28], 28, 28))
            .build();
    assertRejected(
        ReasonCode.SHAPE_MISMATCH,
        "teacher_gradient shape [28, 28]",
        () -> Validators.validate(a, SHAPE));
  }

  @Test
  void nanOrInfinityIsNonFinite() {
    ImageSample s =
        ImageSample.newBuilder(Fixtures.imageSample())
            .setImage(withValue(Fixtures.image(1), 5, Float.NaN))
            .build();
    assertRejected(ReasonCode.NON_FINITE, "image[5] is NaN", () -> Validators.validate(s, SHAPE));
    AdversarialSample base = Fixtures.adversarialSample();
    AdversarialSample g =
        AdversarialSample.newBuilder(base)
            .setTeacherGradient(withValue(base.getTeacherGradient(), 7, Float.NEGATIVE_INFINITY))
            .build();
    assertRejected(
        ReasonCode.NON_FINITE,
        "teacher_gradient[7] is -Infinity",
        () -> Validators.validate(g, SHAPE));
    AdversarialSample x =
        AdversarialSample.newBuilder(base)
            .setXAdv(withValue(base.getXAdv(), 1, Float.POSITIVE_INFINITY))
            .build();
    assertRejected(
        ReasonCode.NON_FINITE, "x_adv[1] is Infinity", () -> Validators.validate(x, SHAPE));
  }

  @Test
  void pixelsOutsideTheUnitIntervalAreOutOfRangeButGradientsAreNotPixelChecked() {
    ImageSample s =
        ImageSample.newBuilder(Fixtures.imageSample())
            .setImage(withValue(Fixtures.image(1), 3, 1.25f))
            .build();
    assertRejected(
        ReasonCode.PIXEL_OUT_OF_RANGE,
        "image[3] = 1.25 is outside [0, 1]",
        () -> Validators.validate(s, SHAPE));
    AdversarialSample base = Fixtures.adversarialSample();
    AdversarialSample x =
        AdversarialSample.newBuilder(base).setX(withValue(base.getX(), 0, -0.01f)).build();
    assertRejected(
        ReasonCode.PIXEL_OUT_OF_RANGE, "x[0] = -0.01", () -> Validators.validate(x, SHAPE));
    AdversarialSample xAdv =
        AdversarialSample.newBuilder(base).setXAdv(withValue(base.getXAdv(), 9, 2f)).build();
    assertRejected(
        ReasonCode.PIXEL_OUT_OF_RANGE, "x_adv[9] = 2.0", () -> Validators.validate(xAdv, SHAPE));
    CorruptedSample c =
        CorruptedSample.newBuilder(Fixtures.corruptedSample())
            .setImage(withValue(Fixtures.image(4), 2, -1f))
            .build();
    assertRejected(
        ReasonCode.PIXEL_OUT_OF_RANGE, "image[2] = -1.0", () -> Validators.validate(c, SHAPE));
    // Gradients are unbounded: values far outside [0, 1] pass.
    AdversarialSample g =
        AdversarialSample.newBuilder(base)
            .setTeacherGradient(Tensors.of(Fixtures.gradient(28 * 28, 9), SHAPE))
            .build();
    assertTrue(
        Tensors.floats(g.getTeacherGradient())[0] < 0
            || Tensors.floats(g.getTeacherGradient())[1] < 0);
    assertDoesNotThrow(() -> Validators.validate(g, SHAPE));
  }

  @Test
  void aLabelOutsideTheClassesIsOutOfRange() {
    assertRejected(
        ReasonCode.LABEL_OUT_OF_RANGE,
        "label 10 is outside [0, 10)",
        () ->
            Validators.validate(
                ImageSample.newBuilder(Fixtures.imageSample()).setLabel(10).build(), SHAPE));
    assertRejected(
        ReasonCode.LABEL_OUT_OF_RANGE,
        "label -1",
        () ->
            Validators.validate(
                AdversarialSample.newBuilder(Fixtures.adversarialSample()).setLabel(-1).build(),
                SHAPE));
    assertRejected(
        ReasonCode.LABEL_OUT_OF_RANGE,
        "classes must be >= 1",
        () ->
            Validators.validate(
                CorruptedSample.newBuilder(Fixtures.corruptedSample()).setClasses(0).build(),
                SHAPE));
  }

  @Test
  void tensorsAboveTheSizeBoundAreOversize() {
    int floats = (int) (Validators.DEFAULT_MAX_TENSOR_BYTES / 4) + 1;
    Tensor huge =
        Tensor.newBuilder()
            .setShape(List.of(floats))
            .setData(ByteBuffer.allocate(floats * 4))
            .build();
    assertRejected(
        ReasonCode.OVERSIZE,
        "more than the limit",
        () ->
            Validators.validate(
                ImageSample.newBuilder(Fixtures.imageSample()).setImage(huge).build(), SHAPE));
    // A declared shape far above the bound is OVERSIZE too, even with little data (and no
    // overflow).
    Tensor claims =
        Tensor.newBuilder()
            .setShape(List.of(65536, 65536, 65536))
            .setData(ByteBuffer.allocate(16))
            .build();
    assertRejected(
        ReasonCode.OVERSIZE,
        "needs more than the limit",
        () ->
            Validators.validate(
                CorruptedSample.newBuilder(Fixtures.corruptedSample()).setImage(claims).build(),
                SHAPE));
    assertRejected(
        ReasonCode.OVERSIZE,
        "more than the limit 1",
        () -> Validators.validate(Fixtures.snapshotChunk(), 1));
    assertRejected(
        ReasonCode.OVERSIZE,
        "more than the limit 4",
        () -> Validators.validate(Fixtures.snapshotHeader(), 4));
  }

  @Test
  void theFirstProblemWinsCheapestFirst() {
    // Wrong label and a NaN: the label (a cheap check) is reported before the scan of the values.
    ImageSample s =
        ImageSample.newBuilder(Fixtures.imageSample())
            .setLabel(11)
            .setImage(withValue(Fixtures.image(1), 5, Float.NaN))
            .build();
    assertRejected(ReasonCode.LABEL_OUT_OF_RANGE, "label 11", () -> Validators.validate(s, SHAPE));
  }

  @Test
  void semanticProblemsWithoutACodeOfTheirOwnAreOther() {
    assertRejected(
        ReasonCode.OTHER,
        "severity must be in [1, 5], was 6",
        () ->
            Validators.validate(
                CorruptedSample.newBuilder(Fixtures.corruptedSample()).setSeverity(6).build(),
                SHAPE));
    assertRejected(
        ReasonCode.OTHER,
        "'fog_of_war' is not an ImageNet-C name",
        () ->
            Validators.validate(
                CorruptedSample.newBuilder(Fixtures.corruptedSample())
                    .setCorruption("fog_of_war")
                    .build(),
                SHAPE));
    AdversarialSample base = Fixtures.adversarialSample();
    AttackSettings badEps = AttackSettings.newBuilder(base.getAttack()).setEps(Float.NaN).build();
    assertRejected(
        ReasonCode.OTHER,
        "attack.eps must be finite and >= 0",
        () ->
            Validators.validate(
                AdversarialSample.newBuilder(base).setAttack(badEps).build(), SHAPE));
    assertRejected(
        ReasonCode.OTHER,
        "epoch must be >= 0",
        () -> Validators.validate(AdversarialSample.newBuilder(base).setEpoch(-1).build(), SHAPE));
    assertRejected(
        ReasonCode.OTHER,
        "id is empty",
        () ->
            Validators.validate(
                ImageSample.newBuilder(Fixtures.imageSample()).setId("").build(), SHAPE));
  }

  @Test
  void malformedChunksAndHeadersAreBadChunks() {
    SnapshotChunk c = Fixtures.snapshotChunk();
    assertRejected(
        ReasonCode.BAD_CHUNK,
        "index 3 is outside [0, 3)",
        () -> Validators.validate(SnapshotChunk.newBuilder(c).setIndex(3).build(), 1024));
    assertRejected(
        ReasonCode.BAD_CHUNK,
        "chunk_count must be >= 1",
        () -> Validators.validate(SnapshotChunk.newBuilder(c).setChunkCount(0).build(), 1024));
    assertRejected(
        ReasonCode.BAD_CHUNK,
        "no data",
        () ->
            Validators.validate(
                SnapshotChunk.newBuilder(c).setData(ByteBuffer.allocate(0)).build(), 1024));
    assertRejected(
        ReasonCode.BAD_CHUNK,
        "version must be >= 0",
        () -> Validators.validate(SnapshotChunk.newBuilder(c).setVersion(-1).build(), 1024));
    SnapshotHeader h = Fixtures.snapshotHeader();
    assertRejected(
        ReasonCode.BAD_CHUNK,
        "chunk_count 9 does not fit total_bytes 5",
        () -> Validators.validate(SnapshotHeader.newBuilder(h).setChunkCount(9).build(), 1024));
    assertRejected(
        ReasonCode.BAD_CHUNK,
        "shape and classes must be >= 1",
        () -> Validators.validate(SnapshotHeader.newBuilder(h).setHeight(0).build(), 1024));
  }
}
