package io.igdstream.streams.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.igdstream.core.attack.AutoAttackResult;
import io.igdstream.core.attack.PgdSettings;
import io.igdstream.core.corruption.Corruptions;
import io.igdstream.core.data.Dataset;
import io.igdstream.core.eval.ModelResult;
import io.igdstream.core.eval.SuiteTest;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Autograd;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.ModelSpec;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One snapshot's evaluation without Kafka. The model has every weight zero, so every logit is 0 and
 * it predicts class 0 whatever the image: its accuracies and error rates are known by hand.
 */
class SnapshotEvaluatorTest {

  static final ModelSpec SPEC = new ModelSpec(1, 28, 28, 10);
  static final long SEED = 11;

  static Classifier classZero;

  @BeforeAll
  static void model() {
    classZero = Classifier.create(Architecture.SMALL_CNN, SPEC, 3);
    Autograd.noGrad(
        () -> classZero.pytorchParameters().values().forEach(p -> p.getArray().muli(0)));
  }

  @AfterAll
  static void close() {
    classZero.close();
  }

  static SnapshotEvaluator evaluator(List<String> log) {
    return evaluator(log, EvaluateSettings.On.OFF);
  }

  static SnapshotEvaluator evaluator(List<String> log, EvaluateSettings.On autoAttack) {
    EvaluateSettings defaults = EvaluateSettings.fromConfig(ConfigFactory.load());
    EvaluateSettings settings =
        defaults
            .withAutoAttack(defaults.autoAttack().withOn(autoAttack))
            .withTests(
                EnumSet.of(SuiteTest.CLEAN, SuiteTest.PGD),
                EnumSet.of(SuiteTest.CLEAN, SuiteTest.PGD, SuiteTest.CORRUPTIONS));
    return new SnapshotEvaluator(
        "igd-test", settings, channels -> new PgdSettings(0.1, 0.02, 3, true), log::add);
  }

  /** {@code n} random images labelled by {@code label(i)}, ids test-000, test-001, … */
  static TestSet testSet(int n, java.util.function.IntUnaryOperator label) {
    SplittableRandom random = new SplittableRandom(5);
    byte[] pixels = new byte[n * SPEC.imageSize()];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) random.nextInt(256);
    }
    int[] labels = IntStream.range(0, n).map(label).toArray();
    List<String> classes = new ArrayList<>();
    for (int c = 0; c < SPEC.classes(); c++) {
      classes.add("class-" + c);
    }
    List<String> ids = IntStream.range(0, n).mapToObj(i -> String.format("test-%03d", i)).toList();
    return new TestSet(new Dataset("fixture", 1, 28, 28, classes, pixels, labels), ids, 0);
  }

  @Test
  void theFinalSnapshotGetsTheFinalTestsUnderItsVersionAndCountsComputedCorruptions() {
    List<String> log = new ArrayList<>();
    SnapshotEvaluator evaluator = evaluator(log);
    TestSet tests = testSet(20, i -> i % 10); // images 0 and 10 are of class 0
    assertTrue(evaluator.readsCorruptions(true));
    assertFalse(evaluator.readsCorruptions(false));

    Evaluation e =
        evaluator.evaluate(
            7,
            true,
            Map.of("method", "igd"),
            classZero,
            tests,
            StoredCorruptions.none(tests, SEED));

    assertEquals(7, e.version());
    assertTrue(e.isFinal());
    ModelResult r = e.result();
    assertEquals(7, r.snapshotVersion());
    assertEquals("igd-test", r.modelId());
    assertEquals("igd", r.method());
    assertEquals(2 / 20.0, r.cleanAccuracy(), 1e-12);
    assertEquals(2 / 20.0, r.pgd20Accuracy(), 1e-12, "no input changes a constant prediction");
    assertEquals(2, e.report().jointCorrect());
    assertFalse(e.report().subsetEmpty());
    assertEquals(Set.copyOf(Corruptions.names()), r.corruptions().keySet());
    r.corruptions()
        .forEach(
            (name, bySeverity) -> {
              assertEquals(Set.of(1, 2, 3, 4, 5), bySeverity.keySet(), name);
              bySeverity.values().forEach(rate -> assertEquals(0.0, rate, name));
            });
    // no image was stored: each of the 2 subset images, every corruption at 5 severities
    assertEquals(2L * Corruptions.names().size() * 5, e.corruptedFallbacks());
    assertTrue(log.isEmpty(), log.toString());
  }

  @Test
  void aPeriodicSnapshotGetsThePeriodicTestsOnly() {
    SnapshotEvaluator evaluator = evaluator(new ArrayList<>());
    TestSet tests = testSet(20, i -> i % 10);

    Evaluation e = evaluator.evaluate(4, false, Map.of(), classZero, tests, null);

    assertFalse(e.isFinal());
    assertEquals(4, e.result().snapshotVersion());
    assertEquals("unknown", e.result().method());
    assertNotNull(e.result().pgd20Accuracy());
    assertTrue(e.result().corruptions().isEmpty());
    assertEquals(List.of("clean", "pgd"), e.report().settings().get("tests"));
    assertEquals(0, e.corruptedFallbacks());
  }

  @Test
  void aSnapshotRightOnNoImageGetsCleanAndPgdOnlyAndSaysSo() {
    List<String> log = new ArrayList<>();
    SnapshotEvaluator evaluator = evaluator(log);
    TestSet tests = testSet(12, i -> 1 + i % 9); // no image of class 0

    Evaluation e =
        evaluator.evaluate(
            3, true, Map.of(), classZero, tests, StoredCorruptions.none(tests, SEED));

    assertEquals(0.0, e.result().cleanAccuracy());
    assertEquals(0.0, e.result().pgd20Accuracy());
    assertEquals(0, e.report().jointCorrect());
    assertTrue(e.report().subsetEmpty());
    assertEquals(Set.of(SuiteTest.CORRUPTIONS), e.report().skipped());
    assertTrue(e.result().corruptions().isEmpty());
    assertNull(e.result().ioaGrey());
    assertEquals(0, e.corruptedFallbacks());
    assertEquals(1, log.size(), log.toString());
    assertTrue(log.get(0).contains("v3") && log.get(0).contains("not run"), log.get(0));
  }

  @Test
  void withAutoAttackOnFinalTheFinalReportCarriesItAndAPeriodicOneDoesNot() {
    SnapshotEvaluator evaluator = evaluator(new ArrayList<>(), EvaluateSettings.On.FINAL);
    TestSet tests = testSet(20, i -> i % 10); // images 0 and 10 are of class 0
    assertTrue(evaluator.testsFor(5, true).contains(SuiteTest.AUTOATTACK));
    assertFalse(evaluator.testsFor(5, false).contains(SuiteTest.AUTOATTACK));

    Evaluation periodic = evaluator.evaluate(5, false, Map.of(), classZero, tests, null);
    assertNull(periodic.result().autoAttack());
    assertFalse(periodic.report().settings().containsKey("autoattack_version"));

    Evaluation last =
        evaluator.evaluate(
            6, true, Map.of(), classZero, tests, StoredCorruptions.none(tests, SEED));
    AutoAttackResult aa = last.result().autoAttack();
    assertNotNull(aa, "the final snapshot's result keeps its AutoAttack run");
    assertEquals(6, last.result().snapshotVersion());
    assertEquals("apgd", aa.version());
    assertEquals(20, aa.points());
    assertEquals(2 / 20.0, aa.cleanAccuracy(), 1e-12);
    // a constant prediction has no gradient to follow: the two right images stay right
    assertEquals(2 / 20.0, aa.robustAccuracy(), 1e-12);
    assertEquals(
        List.of("apgd-ce", "apgd-t"),
        aa.attacks().stream().map(AutoAttackResult.Outcome::name).toList());
    aa.attacks().forEach(o -> assertEquals(0, o.broken(), o.name()));
    assertEquals("apgd", last.report().settings().get("autoattack_version"));
    assertEquals(0.1, (Double) last.report().settings().get("autoattack_eps"), 1e-12);
  }
}
