package io.igdstream.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.igdstream.core.attack.PgdSettings;
import io.igdstream.core.model.Architecture;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * TrainSettings read from core's reference.conf, overrides, "auto" attack values, and every
 * rejection (each naming its key); PgdSettings' rejections; the enum look-ups' errors.
 */
class TrainSettingsTest {

  private static Config withOverride(String hocon) {
    return ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load());
  }

  private static TrainSettings read(String hocon) {
    return TrainSettings.fromConfig(withOverride(hocon));
  }

  private static void assertRejected(String key, String hocon) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> read(hocon));
    assertTrue(e.getMessage().contains(key), "message names " + key + ": " + e.getMessage());
  }

  @Test
  void defaultsAreThoseOfReferenceConf() {
    TrainSettings s = TrainSettings.fromConfig(ConfigFactory.load());
    assertEquals(TrainingMethod.NAT, s.method());
    assertEquals(3, s.epochs());
    assertEquals(128, s.batchSize());
    assertEquals(new SgdSettings(0.05, 0.9, 5e-4), s.sgd());
    assertEquals(
        new ScheduleSettings("multi-step", List.of(0.5, 0.75), 0.1, 2, 1e-4), s.schedule());
    assertEquals("auto", s.augmentation());
    assertEquals(200, s.checkpointEvery());
    assertEquals(2, s.keepCheckpoints());
    assertEquals(0L, s.seed());
    assertTrue(Double.isNaN(s.attackConfig().eps()), "eps auto");
    assertTrue(Double.isNaN(s.attackConfig().alpha()), "alpha auto");
    assertEquals(10, s.attackConfig().trainSteps());
    assertEquals(20, s.attackConfig().evalSteps());
    assertTrue(s.attackConfig().randomStart());
    assertEquals(new IgdSettings(1.0, GradientTarget.LOGIT, true), s.igd());
    assertEquals(6.0, s.tradesBeta());
    assertEquals(250, s.evalBatchSize());
  }

  @Test
  void overridesReplaceOnlyTheirKeys() {
    TrainSettings s =
        read(
            "igd.train.epochs = 5\n"
                + "igd.train.method = igd\n"
                + "igd.train.schedule.kind = plateau\n"
                + "igd.igd.gradient-target = ce\n"
                + "igd.igd.student-gradient-at = adversarial\n"
                + "igd.igd.lambda = 3\n"
                + "igd.attack.random-start = false\n"
                + "igd.trades.beta = 1.5");
    assertEquals(5, s.epochs());
    assertEquals(TrainingMethod.IGD, s.method());
    assertEquals("plateau", s.schedule().kind());
    assertEquals(new IgdSettings(3.0, GradientTarget.CE, false), s.igd());
    assertFalse(s.attackConfig().randomStart());
    assertEquals(1.5, s.tradesBeta());
    assertEquals(128, s.batchSize(), "untouched keys keep their defaults");
    assertEquals(new SgdSettings(0.05, 0.9, 5e-4), s.sgd());
  }

  @Test
  void autoEpsAndAlphaResolveForOneChannel() {
    PgdSettings pgd = TrainSettings.fromConfig(ConfigFactory.load()).attack(1, 10);
    assertEquals(0.1, pgd.eps());
    assertEquals(0.01, pgd.alpha());
    assertEquals(10, pgd.steps());
    assertTrue(pgd.randomStart());
  }

  @Test
  void autoEpsAndAlphaResolveForThreeChannels() {
    PgdSettings pgd = TrainSettings.fromConfig(ConfigFactory.load()).attack(3, 20);
    assertEquals(8.0 / 255, pgd.eps());
    assertEquals(2.0 / 255, pgd.alpha());
    assertEquals(20, pgd.steps());
  }

  @Test
  void numericEpsAndAlphaOverrideAutoForAnyChannelCount() {
    TrainSettings s =
        read("igd.attack.eps = 0.05\nigd.attack.alpha = 0.005\nigd.attack.random-start = false");
    for (int channels : new int[] {1, 3}) {
      PgdSettings pgd = s.attack(channels, 7);
      assertEquals(0.05, pgd.eps());
      assertEquals(0.005, pgd.alpha());
      assertEquals(7, pgd.steps());
      assertFalse(pgd.randomStart());
    }
  }

  @Test
  void epsAloneOverriddenKeepsAlphaAuto() {
    PgdSettings pgd = read("igd.attack.eps = 0.2").attack(3, 10);
    assertEquals(0.2, pgd.eps());
    assertEquals(2.0 / 255, pgd.alpha());
  }

  @Test
  void rejectsZeroEpochs() {
    assertRejected("igd.train.epochs", "igd.train.epochs = 0");
  }

  @Test
  void rejectsZeroBatchSize() {
    assertRejected("igd.train.batch-size", "igd.train.batch-size = 0");
  }

  @Test
  void rejectsAnUnknownMethod() {
    assertRejected("method", "igd.train.method = adamw");
  }

  @Test
  void rejectsAnUnknownAugmentation() {
    assertRejected("igd.train.augmentation", "igd.train.augmentation = mixup");
  }

  @Test
  void rejectsZeroCheckpointEvery() {
    assertRejected("igd.train.checkpoint-every", "igd.train.checkpoint-every = 0");
  }

  @Test
  void rejectsZeroKeepCheckpoints() {
    assertRejected("igd.train.keep-checkpoints", "igd.train.keep-checkpoints = 0");
  }

  @Test
  void rejectsNegativeTradesBeta() {
    assertRejected("igd.trades.beta", "igd.trades.beta = -1");
  }

  @Test
  void rejectsZeroEvalBatchSize() {
    assertRejected("igd.eval.batch-size", "igd.eval.batch-size = 0");
  }

  @Test
  void rejectsANonNumericEps() {
    assertRejected("igd.attack.eps", "igd.attack.eps = abc");
  }

  @Test
  void rejectsANonNumericAlpha() {
    assertRejected("igd.attack.alpha", "igd.attack.alpha = abc");
  }

  @Test
  void rejectsAnUnknownGradientTarget() {
    assertRejected("gradient-target", "igd.igd.gradient-target = x");
  }

  @Test
  void rejectsAnUnknownStudentGradientAt() {
    assertRejected("igd.igd.student-gradient-at", "igd.igd.student-gradient-at = x");
  }

  @Test
  void rejectsNegativeLambda() {
    assertRejected("lambda", "igd.igd.lambda = -0.5");
  }

  @Test
  void rejectsANonIntegerEpochsWithTheConfigPath() {
    // ConfigException's message carries the path; fromConfig rethrows it as
    // IllegalArgumentException
    assertRejected("epochs", "igd.train.epochs = many");
  }

  @Test
  void rejectsANegativeLearningRateFromConfig() {
    assertRejected("learning-rate", "igd.train.learning-rate = -0.1");
  }

  @Test
  void rejectsMilestonesOutsideTheRunFromConfig() {
    assertRejected("milestones", "igd.train.schedule.milestones = [0.5, 1.5]");
  }

  private static void assertPgdRejected(String key, Runnable construct) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construct::run);
    assertTrue(
        e.getMessage().startsWith(key + " "), "message names " + key + ": " + e.getMessage());
  }

  @Test
  void pgdRejectsNegativeEps() {
    assertPgdRejected("eps", () -> new PgdSettings(-0.01, 0.01, 10, true));
  }

  @Test
  void pgdRejectsEpsAboveOne() {
    assertPgdRejected("eps", () -> new PgdSettings(1.5, 0.01, 10, true));
  }

  @Test
  void pgdRejectsNaNEps() {
    assertPgdRejected("eps", () -> new PgdSettings(Double.NaN, 0.01, 10, true));
  }

  @Test
  void pgdRejectsZeroAlpha() {
    assertPgdRejected("alpha", () -> new PgdSettings(0.1, 0, 10, true));
  }

  @Test
  void pgdRejectsNegativeAlpha() {
    assertPgdRejected("alpha", () -> new PgdSettings(0.1, -0.01, 10, true));
  }

  @Test
  void pgdRejectsZeroSteps() {
    assertPgdRejected("steps", () -> new PgdSettings(0.1, 0.01, 0, true));
  }

  @Test
  void pgdAcceptsEpsZeroAndOne() {
    assertEquals(0.0, new PgdSettings(0, 0.01, 1, false).eps());
    assertEquals(1.0, new PgdSettings(1, 1, 1, false).eps());
  }

  @Test
  void trainingMethodOfAnUnknownNameListsTheValidOnes() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TrainingMethod.of("madry"));
    assertTrue(e.getMessage().contains("'madry'"), e.getMessage());
    assertTrue(e.getMessage().contains("nat, pgdat, igd, trades, trades-igd"), e.getMessage());
  }

  @Test
  void trainingMethodOfFindsEveryId() {
    for (TrainingMethod m : TrainingMethod.values()) {
      assertEquals(m, TrainingMethod.of(m.id()));
    }
  }

  @Test
  void architectureOfAnUnknownNameListsTheValidOnes() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Architecture.of("vgg16"));
    assertTrue(e.getMessage().contains("'vgg16'"), e.getMessage());
    assertTrue(e.getMessage().contains("small-cnn, preact-resnet18"), e.getMessage());
  }

  @Test
  void architectureOfFindsEveryId() {
    for (Architecture a : Architecture.values()) {
      assertEquals(a, Architecture.of(a.id()));
    }
  }
}
