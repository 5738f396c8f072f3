package io.igdstream.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link SampleAgreement}: the first valid sample fixes the dataset; disagreeing ones are named.
 */
class SampleAgreementTest {

  private static ImageSample sample(
      String id, int label, int classes, int[] shape, List<String> names) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return ImageSample.newBuilder()
        .setId(id)
        .setSplit(Split.TRAIN)
        .setLabel(label)
        .setClasses(classes)
        .setImage(Tensors.of(new float[n], shape))
        .setDataset("toy")
        .setClassNames(names)
        .build();
  }

  private static ReasonCode rejected(SampleAgreement a, ImageSample s) {
    return assertThrows(RecordDecodingException.class, () -> a.accept(s)).reason();
  }

  @Test
  void theFirstValidSampleFixesShapeClassesAndNames() {
    SampleAgreement a = new SampleAgreement();
    int[] grey = {1, 4, 4};
    assertTrue(a.facts().isEmpty());
    assertEquals(ReasonCode.LABEL_OUT_OF_RANGE, rejected(a, sample("bad", 5, 3, grey, List.of())));
    assertTrue(a.facts().isEmpty(), "an invalid sample fixes nothing");

    a.accept(sample("train-000000", 0, 3, grey, List.of("a", "b", "c")));
    a.accept(sample("train-000001", 2, 3, grey, List.of())); // v2 writers say nothing: fine

    SampleAgreement.Facts facts = a.facts().orElseThrow();
    assertArrayEquals(grey, facts.shape());
    assertEquals(3, facts.classes());
    assertEquals(List.of("a", "b", "c"), facts.classNames());
    assertEquals("toy", facts.dataset());
    assertEquals(
        ReasonCode.SHAPE_MISMATCH, rejected(a, sample("x", 0, 3, new int[] {3, 4, 4}, List.of())));
    assertEquals(ReasonCode.LABEL_OUT_OF_RANGE, rejected(a, sample("y", 0, 4, grey, List.of())));
    RecordDecodingException e =
        assertThrows(
            RecordDecodingException.class,
            () -> a.accept(sample("z", 0, 3, grey, List.of("a", "b", "d"))));
    assertEquals(ReasonCode.OTHER, e.reason());
    assertTrue(e.getMessage().contains("[a, b, d]"), e.getMessage());
  }

  @Test
  void namesArriveLaterAndMustMatchTheClassCount() {
    SampleAgreement a = new SampleAgreement();
    int[] shape = {1, 2, 2};
    a.accept(sample("s0", 0, 2, shape, List.of()));
    assertEquals(ReasonCode.OTHER, rejected(a, sample("s1", 0, 2, shape, List.of("only-one"))));
    a.accept(sample("s2", 1, 2, shape, List.of("cat", "dog")));
    assertEquals(List.of("cat", "dog"), a.facts().orElseThrow().classNames());
    assertEquals(ReasonCode.OTHER, rejected(a, sample("s3", 1, 2, shape, List.of("dog", "cat"))));
  }
}
