package io.igdstream.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.igdstream.core.TestData;
import io.igdstream.core.TestModels;
import io.igdstream.core.attack.PgdSettings;
import io.igdstream.core.corruption.Corruptions;
import io.igdstream.core.data.Dataset;
import io.igdstream.core.data.DatasetSplits;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Autograd;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.ModelSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The suite's bookkeeping: the joint-correct subset, determinism, and its errors. */
class RobustnessSuiteTest {

  private static Dataset test;
  private static Classifier first;
  private static Classifier second;

  @BeforeAll
  static void train() {
    DatasetSplits data = TestData.fashionMnistSmall();
    test = data.test().limit(48);
    first = TestModels.natSmallCnn(data.train(), 40, 1);
    second = TestModels.natSmallCnn(data.train(), 15, 2);
  }

  @AfterAll
  static void close() {
    first.close();
    second.close();
  }

  private static RobustnessSuite suite(Set<SuiteTest> tests, long seed) {
    return new RobustnessSuite(
        new RobustnessSuite.Settings(tests, 20, seed, new PgdSettings(0.1, 0.01, 5, true), 3));
  }

  private static List<RobustnessSuite.Entry> both() {
    return List.of(
        new RobustnessSuite.Entry("first", "nat", first),
        new RobustnessSuite.Entry("second", "nat", second));
  }

  private static boolean[] correct(Classifier model) {
    try (NDManager m = model.manager().newSubManager()) {
      NDArray[] xy = TestModels.testBatch(model, test, test.size(), m);
      return model.logits(xy[0], false).argMax(1).eq(xy[1]).toBooleanArray();
    }
  }

  @Test
  void errorRatesAreOverTheImagesEveryModelGetsRight() {
    RobustnessReport report =
        suite(Set.of(SuiteTest.values()), 0).run("fixture", test, both(), (t, d, n) -> {});
    boolean[] a = correct(first);
    boolean[] b = correct(second);
    int joint = 0;
    int correctFirst = 0;
    for (int i = 0; i < a.length; i++) {
      joint += a[i] && b[i] ? 1 : 0;
      correctFirst += a[i] ? 1 : 0;
    }
    assertEquals(test.size(), report.samples());
    assertEquals(joint, report.jointCorrect());
    assertTrue(joint > 0 && report.skipped().isEmpty(), "every test ran on " + joint + " images");
    ModelResult r = report.models().get(0);
    assertEquals((double) correctFirst / test.size(), r.cleanAccuracy(), 1e-12);
    assertTrue(r.pgd20Accuracy() <= r.cleanAccuracy());
    assertTrue(
        r.giniPixel() > 0 && r.giniPixel() < 1 && r.giniRegional() > 0 && r.giniRegional() < 1,
        r.toString());
    assertEquals(joint, r.giniPixelSamples().length);
    assertEquals(3, r.saliencyExamples().size());
    assertEquals(Corruptions.names(), List.copyOf(r.corruptions().keySet()));
    for (Map<Double, Double> rates : List.of(r.inaAdd(), r.inaReplace(), r.rn())) {
      assertEquals(10, rates.size());
      rates.values().forEach(v -> assertTrue(v >= 0 && v <= 1));
    }
    // the error counts are whole numbers of subset images
    double scaled = r.ioaWhite() * joint;
    assertEquals(Math.rint(scaled), scaled, 1e-9);
  }

  @Test
  void sameSeedSameReport() {
    Set<SuiteTest> tests =
        Set.of(SuiteTest.PGD, SuiteTest.INA, SuiteTest.RN, SuiteTest.CORRUPTIONS);
    ModelResult a = suite(tests, 5).run("fixture", test, both(), (t, d, n) -> {}).models().get(1);
    ModelResult b = suite(tests, 5).run("fixture", test, both(), (t, d, n) -> {}).models().get(1);
    assertEquals(a.pgd20Accuracy(), b.pgd20Accuracy());
    assertEquals(a.inaAdd(), b.inaAdd());
    assertEquals(a.rn(), b.rn());
    assertEquals(a.corruptions(), b.corruptions());
  }

  @Test
  void explicitlyComputedCorruptedImagesGiveTheSameErrorsAsTheDefaultRun() {
    RobustnessSuite suite = suite(Set.of(SuiteTest.CORRUPTIONS), 7);
    List<ModelResult> byDefault = suite.run("fixture", test, both(), (t, d, n) -> {}).models();
    List<ModelResult> explicit =
        suite.run("fixture", test, both(), (t, d, n) -> {}, CorruptedImages.computed(7)).models();
    for (int m = 0; m < 2; m++) {
      assertEquals(Corruptions.names(), List.copyOf(explicit.get(m).corruptions().keySet()));
      assertEquals(byDefault.get(m).corruptions(), explicit.get(m).corruptions());
    }
  }

  @Test
  void cleanImagesAsCorruptedImagesGiveNoCorruptionErrorOnTheJointCorrectSubset() {
    boolean[] a = correct(first);
    boolean[] b = correct(second);
    Set<Integer> joint = new HashSet<>();
    for (int i = 0; i < a.length; i++) {
      if (a[i] && b[i]) {
        joint.add(i);
      }
    }
    Set<Integer> asked = new HashSet<>();
    CorruptedImages unchanged =
        (k, severity, index, src, srcOffset, dst, dstOffset, c, h, w) -> {
          asked.add(index);
          System.arraycopy(src, srcOffset, dst, dstOffset, c * h * w);
        };
    RobustnessReport report =
        suite(Set.of(SuiteTest.CORRUPTIONS), 0)
            .run("fixture", test, both(), (t, d, n) -> {}, unchanged);
    assertEquals(joint, asked);
    for (ModelResult r : report.models()) {
      assertEquals(Corruptions.names(), List.copyOf(r.corruptions().keySet()));
      r.corruptions()
          .values()
          .forEach(
              bySeverity -> {
                assertEquals(Set.of(1, 2, 3, 4, 5), bySeverity.keySet());
                bySeverity.values().forEach(rate -> assertEquals(0.0, rate));
              });
      assertEquals(0.0, r.corruptionMean());
    }
  }

  @Test
  void aNullCorruptedImagesIsRejected() {
    NullPointerException e =
        assertThrows(
            NullPointerException.class,
            () ->
                suite(Set.of(SuiteTest.CLEAN), 0)
                    .run("fixture", test, both(), (t, d, n) -> {}, null));
    assertTrue(e.getMessage().contains("corrupted"), e.getMessage());
  }

  @Test
  void onlyTheChosenTestsRun() {
    ModelResult r =
        suite(Set.of(SuiteTest.CLEAN), 0)
            .run("fixture", test, both(), (t, d, n) -> {})
            .models()
            .get(0);
    assertNull(r.pgd20Accuracy());
    assertNull(r.giniPixel());
    assertNull(r.inaAdd());
    assertNull(r.ioaGrey());
    assertTrue(r.corruptions().isEmpty());
  }

  @Test
  void unknownTestNamesAreRejectedWithTheValidOnes() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SuiteTest.parse("clean,gini,fgsm"));
    assertTrue(
        e.getMessage().contains("unknown test 'fgsm'") && e.getMessage().contains(SuiteTest.all()),
        e.getMessage());
    assertEquals(Set.of(SuiteTest.CLEAN, SuiteTest.GINI), SuiteTest.parse("gini"));
  }

  @Test
  void anEmptyJointCorrectSubsetSkipsTheSubsetTestsAndSaysSo() {
    // All weights zero: every logit is 0, so the model always predicts class 0. Keep only images of
    // other classes.
    try (Classifier constant =
        Classifier.create(Architecture.SMALL_CNN, new ModelSpec(1, 28, 28, 10), 3)) {
      Autograd.noGrad(
          () -> constant.pytorchParameters().values().forEach(p -> p.getArray().muli(0)));
      int n = 0;
      for (int label : test.labels()) {
        n += label != 0 ? 1 : 0;
      }
      byte[] pixels = new byte[n * test.imageSize()];
      int[] labels = new int[n];
      for (int i = 0, j = 0; i < test.size(); i++) {
        if (test.labels()[i] != 0) {
          System.arraycopy(
              test.pixels(), i * test.imageSize(), pixels, j * test.imageSize(), test.imageSize());
          labels[j++] = test.labels()[i];
        }
      }
      Dataset noClassZero = new Dataset("no-zero", 1, 28, 28, test.classes(), pixels, labels);
      RobustnessReport report =
          suite(Set.of(SuiteTest.CLEAN, SuiteTest.PGD, SuiteTest.GINI, SuiteTest.RN), 0)
              .run(
                  "no-zero",
                  noClassZero,
                  List.of(new RobustnessSuite.Entry("constant", "none", constant)),
                  (t, d, k) -> {});
      assertEquals(0, report.jointCorrect());
      assertTrue(report.subsetEmpty());
      assertEquals(Set.of(SuiteTest.GINI, SuiteTest.RN), report.skipped());
      assertEquals(List.of("clean", "pgd"), report.settings().get("tests"));
      ModelResult r = report.models().get(0);
      assertEquals(0.0, r.cleanAccuracy());
      assertEquals(0.0, r.pgd20Accuracy());
      assertNull(r.giniPixel());
      assertNull(r.rn());
      assertEquals(0, r.giniPixelSamples().length);
    }
  }

  @Test
  void aModelForOtherImagesIsRejected() {
    try (Classifier rgb =
        Classifier.create(Architecture.SMALL_CNN, new ModelSpec(3, 28, 28, 10), 3)) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  suite(Set.of(SuiteTest.CLEAN), 0)
                      .run(
                          "fixture",
                          test,
                          List.of(new RobustnessSuite.Entry("rgb", "nat", rgb)),
                          (t, d, k) -> {}));
      assertTrue(e.getMessage().contains("rgb: the model takes"), e.getMessage());
    }
  }
}
