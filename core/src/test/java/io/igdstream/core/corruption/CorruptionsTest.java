package io.igdstream.core.corruption;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The registry, the API contract and invariants every corruption must keep. */
class CorruptionsTest {

  private static final int[][] SHAPES = {{1, 28, 28}, {3, 32, 32}, {3, 7, 5}};

  @Test
  void namesAreTheImageNetCNamesInTableOrder() {
    assertEquals(
        List.of(
            "gaussian_noise",
            "shot_noise",
            "impulse_noise",
            "speckle_noise",
            "gaussian_blur",
            "contrast",
            "brightness",
            "pixelate",
            "jpeg_compression"),
        Corruptions.names());
    assertEquals(
        List.of("gaussian_noise", "shot_noise", "impulse_noise"), Corruptions.noiseFamily());
  }

  @Test
  void allReturnsOneInstancePerNameInOrderWithTheRequestedConstants() {
    for (ConstantSet set : ConstantSet.values()) {
      List<Corruption> all = Corruptions.all(set);
      List<String> names = new ArrayList<>();
      for (Corruption c : all) {
        names.add(c.name());
        assertEquals(set, ((SeverityCorruption) c).constants());
      }
      assertEquals(Corruptions.names(), names);
    }
  }

  @Test
  void byNameFindsEachCorruption() {
    for (String name : Corruptions.names()) {
      assertEquals(name, Corruptions.byName(name, ConstantSet.CIFAR).name());
    }
  }

  @Test
  void byNameRejectsAnUnknownNameListingTheValidOnes() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Corruptions.byName("motion_blur", ConstantSet.CIFAR));
    assertTrue(e.getMessage().contains("motion_blur"), e.getMessage());
    for (String name : Corruptions.names()) {
      assertTrue(e.getMessage().contains(name), e.getMessage());
    }
  }

  @Test
  void constantsMatchTheProtocolTable() {
    // Spot checks straight from docs/PROTOCOL.md §2 (severity 1 and 5 of each column).
    assertConstants("gaussian_noise", 0.04, 0.10, 0.08, 0.38);
    assertConstants("shot_noise", 500, 50, 60, 3);
    assertConstants("impulse_noise", 0.01, 0.07, 0.03, 0.27);
    assertConstants("speckle_noise", 0.06, 0.2, 0.15, 0.6);
    assertConstants("gaussian_blur", 0.4, 1, 1, 6);
    assertConstants("contrast", 0.75, 0.15, 0.4, 0.05);
    assertConstants("brightness", 0.05, 0.3, 0.1, 0.5);
    assertConstants("pixelate", 0.95, 0.65, 0.6, 0.25);
    assertConstants("jpeg_compression", 80, 40, 25, 7);
    assertEquals(75, new ShotNoise(ConstantSet.CIFAR).constant(4));
  }

  private static void assertConstants(
      String name, double cifar1, double cifar5, double imagenet1, double imagenet5) {
    SeverityCorruption cifar = (SeverityCorruption) Corruptions.byName(name, ConstantSet.CIFAR);
    SeverityCorruption imagenet =
        (SeverityCorruption) Corruptions.byName(name, ConstantSet.IMAGENET);
    assertEquals(cifar1, cifar.constant(1), name);
    assertEquals(cifar5, cifar.constant(5), name);
    assertEquals(imagenet1, imagenet.constant(1), name);
    assertEquals(imagenet5, imagenet.constant(5), name);
  }

  @Test
  void constantSetFollowsImageSize() {
    assertEquals(ConstantSet.CIFAR, ConstantSet.forImageSize(28, 28));
    assertEquals(ConstantSet.CIFAR, ConstantSet.forImageSize(32, 32));
    assertEquals(ConstantSet.IMAGENET, ConstantSet.forImageSize(33, 32));
    assertEquals(ConstantSet.IMAGENET, ConstantSet.forImageSize(32, 64));
    assertEquals(ConstantSet.IMAGENET, ConstantSet.forImageSize(224, 224));
    assertThrows(IllegalArgumentException.class, () -> ConstantSet.forImageSize(0, 28));
  }

  @Test
  void severityOutsideOneToFiveIsRejectedNamingTheValue() {
    float[] x = new float[4];
    for (Corruption c : Corruptions.all(ConstantSet.CIFAR)) {
      for (int severity : new int[] {0, 6, 7, -1}) {
        IllegalArgumentException e =
            assertThrows(
                IllegalArgumentException.class,
                () -> c.apply(x, 0, x, 0, 1, 2, 2, severity, new SplittableRandom(1)),
                c.name());
        assertEquals("severity must be in 1..5, was " + severity, e.getMessage());
      }
    }
  }

  @Test
  void badShapesAndBoundsAreRejected() {
    float[] x = new float[12];
    for (Corruption c : Corruptions.all(ConstantSet.CIFAR)) {
      SplittableRandom r = new SplittableRandom(1);
      assertThrows(IllegalArgumentException.class, () -> c.apply(x, 0, x, 0, 0, 2, 2, 1, r));
      assertThrows(IllegalArgumentException.class, () -> c.apply(x, 0, x, 0, 1, -2, 2, 1, r));
      assertThrows(IndexOutOfBoundsException.class, () -> c.apply(x, 1, x, 0, 3, 2, 2, 1, r));
      assertThrows(
          IndexOutOfBoundsException.class, () -> c.apply(x, 0, new float[11], 0, 3, 2, 2, 1, r));
    }
  }

  @Test
  void brightnessAndJpegAcceptOnlyGreyOrRgb() {
    float[] x = new float[2 * 4 * 4];
    for (String name : List.of("brightness", "jpeg_compression")) {
      Corruption c = Corruptions.byName(name, ConstantSet.CIFAR);
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> c.apply(x, 0, x, 0, 2, 4, 4, 1, null));
      assertTrue(e.getMessage().contains("was 2"), e.getMessage());
    }
  }

  @Test
  void noiseCorruptionsNeedARandomGenerator() {
    float[] x = new float[4];
    for (String name : List.of("gaussian_noise", "shot_noise", "impulse_noise", "speckle_noise")) {
      Corruption c = Corruptions.byName(name, ConstantSet.CIFAR);
      assertThrows(NullPointerException.class, () -> c.apply(x, 0, x, 0, 1, 2, 2, 1, null));
    }
  }

  @Test
  void everyOutputIsInTheUnitIntervalForEveryCorruptionSeverityAndShape() {
    for (ConstantSet set : ConstantSet.values()) {
      for (Corruption c : Corruptions.all(set)) {
        for (int[] shape : SHAPES) {
          int size = shape[0] * shape[1] * shape[2];
          List<float[]> inputs =
              List.of(
                  TestImages.uniform(size, 3),
                  TestImages.constant(size, 0f),
                  TestImages.constant(size, 1f));
          for (float[] src : inputs) {
            for (int s = 1; s <= 5; s++) {
              float[] dst = TestImages.apply(c, src, shape[0], shape[1], shape[2], s, 11);
              for (float v : dst) {
                assertTrue(v >= 0f && v <= 1f, c + " severity " + s + " gave " + v);
              }
            }
          }
        }
      }
    }
  }

  @Test
  void offsetsAreHonouredAndNothingOutsideTheDestinationImageIsWritten() {
    int c = 3;
    int h = 9;
    int w = 8;
    int size = c * h * w;
    float[] image = TestImages.uniform(size, 5);
    for (Corruption corruption : Corruptions.all(ConstantSet.CIFAR)) {
      float[] expected = TestImages.apply(corruption, image, c, h, w, 3, 21);
      float[] src = new float[size + 10];
      System.arraycopy(image, 0, src, 7, size);
      float[] dst = TestImages.constant(size + 20, -2f);
      corruption.apply(src, 7, dst, 13, c, h, w, 3, new SplittableRandom(21));
      assertArrayEquals(expected, Arrays.copyOfRange(dst, 13, 13 + size), corruption.name());
      for (int i = 0; i < 13; i++) {
        assertEquals(-2f, dst[i], corruption.name());
      }
      for (int i = 13 + size; i < dst.length; i++) {
        assertEquals(-2f, dst[i], corruption.name());
      }
    }
  }

  @Test
  void inPlaceApplicationEqualsOutOfPlace() {
    for (Corruption corruption : Corruptions.all(ConstantSet.CIFAR)) {
      for (int[] shape : SHAPES) {
        int size = shape[0] * shape[1] * shape[2];
        float[] src = TestImages.uniform(size, 8);
        float[] expected = TestImages.apply(corruption, src, shape[0], shape[1], shape[2], 4, 2);
        float[] inPlace = src.clone();
        corruption.apply(
            inPlace, 0, inPlace, 0, shape[0], shape[1], shape[2], 4, new SplittableRandom(2));
        assertArrayEquals(expected, inPlace, corruption.name());
      }
    }
  }

  @Test
  void sameSeedGivesIdenticalOutputAndDeterministicCorruptionsIgnoreTheSeed() {
    float[] src = TestImages.uniform(3 * 32 * 32, 4);
    for (Corruption c : Corruptions.all(ConstantSet.CIFAR)) {
      float[] a = TestImages.apply(c, src, 3, 32, 32, 3, 99);
      float[] b = TestImages.apply(c, src, 3, 32, 32, 3, 99);
      float[] other = TestImages.apply(c, src, 3, 32, 32, 3, 100);
      assertArrayEquals(a, b, c.name());
      boolean noise = c.name().endsWith("_noise");
      assertEquals(noise, !Arrays.equals(a, other), c.name());
      if (!noise) {
        float[] noRandom = new float[src.length];
        c.apply(src, 0, noRandom, 0, 3, 32, 32, 3, null);
        assertArrayEquals(a, noRandom, c.name());
      }
    }
  }

  @Test
  void everyCorruptionChangesANonTrivialImage() {
    float[] src = TestImages.uniform(3 * 32 * 32, 6);
    for (Corruption c : Corruptions.all(ConstantSet.CIFAR)) {
      assertNotNull(c.toString());
      assertFalse(Arrays.equals(src, TestImages.apply(c, src, 3, 32, 32, 5, 1)), c.name());
    }
  }
}
