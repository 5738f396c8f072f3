package io.igdstream.streams.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
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
    assertEquals(EnumSet.allOf(SuiteTest.class), s.finalTests());
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
}
