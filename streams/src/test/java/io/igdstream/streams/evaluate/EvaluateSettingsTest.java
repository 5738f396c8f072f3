package io.igdstream.streams.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.igdstream.core.attack.AutoAttackVersion;
import io.igdstream.core.attack.Norm;
import io.igdstream.core.eval.SuiteTest;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** igd.evaluate: the defaults of reference.conf and one rejection per key. */
class EvaluateSettingsTest {

  private static EvaluateSettings with(String key, Object value) {
    Config c =
        ConfigFactory.parseString("igd.evaluate." + key + " = " + value)
            .withFallback(ConfigFactory.load());
    return EvaluateSettings.fromConfig(c);
  }

  private static void rejected(String key, Object value, String message) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> with(key, value));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void defaultsComeFromReferenceConf() {
    EvaluateSettings s = EvaluateSettings.fromConfig(ConfigFactory.load());
    assertEquals(1, s.every());
    assertEquals(1000, s.testLimit());
    assertEquals(Set.of(SuiteTest.CLEAN, SuiteTest.PGD, SuiteTest.GINI, SuiteTest.INA), s.tests());
    EnumSet<SuiteTest> allButAutoAttack = EnumSet.allOf(SuiteTest.class);
    allButAutoAttack.remove(SuiteTest.AUTOATTACK);
    assertEquals(allButAutoAttack, s.finalTests(), "\"all\" leaves the costly AutoAttack out");
    EvaluateSettings.AutoAttack aa = s.autoAttack();
    assertEquals(AutoAttackVersion.APGD, aa.version());
    assertEquals(EvaluateSettings.On.FINAL, aa.on());
    assertEquals(10, aa.every());
    assertEquals(0, aa.limit(), "0 = every evaluated test image");
    assertEquals(Norm.LINF, aa.norm());
    assertNull(aa.eps());
    assertEquals(250, s.batchSize());
    assertEquals(0, s.seed());
    assertEquals(20, s.pgdSteps());
    assertEquals(Duration.ofMinutes(5), s.scanTimeout());
    assertEquals(
        0.1, s.attack(ConfigFactory.load()).apply(1).eps(), 1e-12, "eps auto = 0.1 for 1 channel");
    assertEquals(20, s.attack(ConfigFactory.load()).apply(3).steps());
  }

  @Test
  void selectsEveryKthVersionAndEveryFinalOne() {
    EvaluateSettings s = with("every", 3);
    assertTrue(s.selects(0, false));
    assertFalse(s.selects(1, false));
    assertTrue(s.selects(6, false));
    assertTrue(s.selects(7, true));
    assertEquals(s.finalTests(), s.testsFor(true));
    assertEquals(s.tests(), s.testsFor(false));
  }

  @Test
  void cleanAlwaysRuns() {
    assertEquals(Set.of(SuiteTest.CLEAN, SuiteTest.PGD), with("tests", "pgd").tests());
  }

  @Test
  void rejectsEveryBelowOne() {
    rejected("every", 0, "igd.evaluate.every must be >= 1, was 0");
  }

  @Test
  void rejectsNegativeTestLimit() {
    rejected("test-limit", -1, "igd.evaluate.test-limit must be >= 0");
  }

  @Test
  void rejectsUnknownTests() {
    rejected("tests", "\"clean,fgsm\"", "igd.evaluate.tests: unknown test 'fgsm'");
  }

  @Test
  void rejectsUnknownFinalTests() {
    rejected(
        "final-tests", "\"everything\"", "igd.evaluate.final-tests: unknown test 'everything'");
  }

  @Test
  void rejectsBatchSizeBelowOne() {
    rejected("batch-size", 0, "igd.evaluate.batch-size must be >= 1, was 0");
  }

  @Test
  void rejectsPgdStepsBelowOne() {
    rejected("pgd-steps", 0, "igd.evaluate.pgd-steps must be >= 1, was 0");
  }

  @Test
  void rejectsZeroScanTimeout() {
    rejected("scan-timeout", "0s", "igd.evaluate.scan-timeout must be > 0");
  }

  @Test
  void rejectsAnUnknownBacklogAndReadsBothKinds() {
    rejected(
        "backlog", "\"sometimes\"", "igd.evaluate.backlog must be newest or all, was 'sometimes'");
    assertEquals(
        EvaluateSettings.Backlog.NEWEST,
        EvaluateSettings.fromConfig(ConfigFactory.load()).backlog());
    assertEquals(
        EvaluateSettings.Backlog.ALL,
        EvaluateSettings.fromConfig(
                ConfigFactory.parseString("igd.evaluate.backlog = ALL")
                    .withFallback(ConfigFactory.load()))
            .backlog());
  }

  @Test
  void rejectsAWrongTypeNamingTheKey() {
    rejected("every", "\"often\"", "every");
  }

  @Test
  void autoAttackOnFinalAddsItToTheFinalSnapshotOnly() {
    EvaluateSettings s = EvaluateSettings.fromConfig(ConfigFactory.load());
    assertTrue(s.testsFor(10, true).contains(SuiteTest.AUTOATTACK));
    assertFalse(s.testsFor(10, false).contains(SuiteTest.AUTOATTACK));
    assertFalse(s.testsFor(false).contains(SuiteTest.AUTOATTACK));
  }

  @Test
  void autoAttackEveryKAddsItToVersionsDivisibleByKAndTheFinalOne() {
    Config c =
        ConfigFactory.parseString(
                "igd.evaluate.autoattack { on = every-k, every = 4, version = standard, norm = l2,"
                    + " eps = 1.5, limit = 100 }")
            .withFallback(ConfigFactory.load());
    EvaluateSettings s = EvaluateSettings.fromConfig(c);
    assertTrue(s.testsFor(8, false).contains(SuiteTest.AUTOATTACK));
    assertFalse(s.testsFor(6, false).contains(SuiteTest.AUTOATTACK));
    assertTrue(s.testsFor(7, true).contains(SuiteTest.AUTOATTACK));
    var suite = s.autoAttack().suite(50);
    assertEquals(AutoAttackVersion.STANDARD, suite.version());
    assertEquals(Norm.L2, suite.norm());
    assertEquals(1.5, suite.epsFor(1));
    assertEquals(100, suite.pointsOf(1000));
    assertEquals(50, suite.batchSize());
  }

  @Test
  void autoAttackOffAddsItNowhere() {
    EvaluateSettings s = with("autoattack.on", "off");
    assertFalse(s.testsFor(0, true).contains(SuiteTest.AUTOATTACK));
  }

  @Test
  void rejectsBadAutoAttackKeysNamingThem() {
    rejected(
        "autoattack.on", "sometimes", "igd.evaluate.autoattack.on must be off, final or every-k");
    rejected("autoattack.every", 0, "igd.evaluate.autoattack.every must be >= 1, was 0");
    rejected("autoattack.limit", -1, "igd.evaluate.autoattack.limit must be >= 0");
    rejected("autoattack.version", "fast", "igd.evaluate.autoattack.version: ");
    rejected("autoattack.norm", "l1", "igd.evaluate.autoattack.norm: ");
    rejected("autoattack.eps", 0, "igd.evaluate.autoattack.eps must be > 0");
  }

  @Test
  void rejectsAutoAttackInATestListPointingAtItsSwitch() {
    rejected("final-tests", "\"clean,autoattack\"", "igd.evaluate.autoattack.on");
  }
}
