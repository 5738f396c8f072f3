package io.igdstream.core.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.igdstream.core.TestData;
import io.igdstream.core.TestModels;
import io.igdstream.core.data.DatasetSplits;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.Losses;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The invariants every attack must keep (torchattacks' universal test), on a trained small-cnn. */
class AttackInvariantsTest {

  private static final double EPS = 0.1;
  private static Classifier model;
  private static NDManager data;
  private static NDArray x;
  private static NDArray y;

  @BeforeAll
  static void trainModel() {
    DatasetSplits splits = TestData.fashionMnistSmall();
    model = TestModels.natSmallCnn(splits.train(), 60, 1);
    data = model.manager().newSubManager();
    NDArray[] batch = TestModels.testBatch(model, splits.test(), 128, data);
    x = batch[0];
    y = batch[1];
  }

  @AfterAll
  static void close() {
    data.close();
    model.close();
  }

  static Stream<Attack> attacks() {
    return Stream.of(
        new Fgsm(EPS),
        new Pgd(new PgdSettings(EPS, 0.01, 10, true)),
        new Pgd(new PgdSettings(EPS, 0.025, 5, false)),
        new TradesPgd(new PgdSettings(EPS, 0.01, 10, true)),
        // forward-only; its l2 variant's invariants are in SquareAttackTest (this file checks l∞)
        new Square(new SquareSettings(Norm.LINF, EPS, 20, 0.8, 1)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("attacks")
  void staysInTheEpsBallAndInPixelRange(Attack attack) {
    try (NDManager m = data.newSubManager()) {
      NDArray xAdv = attack.perturb(model, x, y, 7);
      assertArrayEquals(x.getShape().getShape(), xAdv.getShape().getShape());
      assertEquals(x.getDataType(), xAdv.getDataType());
      assertTrue(
          xAdv.sub(x).abs().max().getFloat() <= EPS + 1e-6, attack.name() + " left the eps ball");
      assertTrue(
          xAdv.min().getFloat() >= 0f && xAdv.max().getFloat() <= 1f,
          attack.name() + " left [0, 1]");
      assertTrue(xAdv.sub(x).abs().max().getFloat() > EPS / 2, attack.name() + " did not move");
      xAdv.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("attacks")
  void raisesTheLossAndLowersAccuracy(Attack attack) {
    NDArray xAdv = attack.perturb(model, x, y, 7);
    double clean = Losses.crossEntropy(model.logits(x, false), y).mean().getFloat();
    double adversarial = Losses.crossEntropy(model.logits(xAdv, false), y).mean().getFloat();
    assertTrue(adversarial > clean, attack.name() + ": CE " + adversarial + " <= clean " + clean);
    double cleanAccuracy = accuracy(x);
    double robustAccuracy = accuracy(xAdv);
    assertTrue(
        cleanAccuracy > 0.6, "the fixture model should have learnt something: " + cleanAccuracy);
    assertTrue(
        robustAccuracy <= cleanAccuracy,
        attack.name() + ": robust " + robustAccuracy + " > clean " + cleanAccuracy);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("attacks")
  void sameSeedSameResult(Attack attack) {
    float[] first = attack.perturb(model, x, y, 99).toFloatArray();
    float[] second = attack.perturb(model, x, y, 99).toFloatArray();
    assertArrayEquals(first, second);
  }

  @Test
  void randomStartDependsOnTheSeed() {
    Pgd pgd = new Pgd(new PgdSettings(EPS, 0.01, 2, true));
    assertFalse(
        java.util.Arrays.equals(
            pgd.perturb(model, x, y, 1).toFloatArray(),
            pgd.perturb(model, x, y, 2).toFloatArray()));
  }

  @Test
  void oneStepPgdWithoutRandomStartIsFgsm() {
    // δ₀ = 0, one step of size ε: clip(x + ε·sign(∇CE)) — exactly FGSM (x ∈ [0, 1], so the clip's
    // gradient mask is 1).
    float[] pgd =
        new Pgd(new PgdSettings(EPS, EPS, 1, false)).perturb(model, x, y, 0).toFloatArray();
    float[] fgsm = new Fgsm(EPS).perturb(model, x, y, 0).toFloatArray();
    assertArrayEquals(fgsm, pgd, 1e-7f);
  }

  @Test
  void moreStepsAttackHarder() {
    double pgd1 = accuracy(new Pgd(new PgdSettings(EPS, 0.01, 1, false)).perturb(model, x, y, 0));
    double pgd20 = accuracy(new Pgd(new PgdSettings(EPS, 0.01, 20, true)).perturb(model, x, y, 0));
    assertTrue(pgd20 < pgd1, "PGD-20 accuracy " + pgd20 + " should be below PGD-1's " + pgd1);
  }

  @Test
  void attacksLeaveTheModelsParametersWithoutGradients() {
    for (Attack attack : attacks().toList()) {
      attack.perturb(model, x, y, 3);
    }
    for (var p : model.trainableParameters().values()) {
      try (NDArray g = p.getArray().getGradient()) {
        assertEquals(0f, g.abs().sum().getFloat(), 0f, p.getName());
      }
    }
  }

  @Test
  void invalidSettingsAreRejectedByName() {
    for (Runnable bad :
        List.<Runnable>of(
            () -> new PgdSettings(-0.1, 0.01, 10, true), () -> new PgdSettings(0.1, 0, 10, true),
            () -> new PgdSettings(0.1, 0.01, 0, true), () -> new Fgsm(-1))) {
      IllegalArgumentException e =
          org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, bad::run);
      assertTrue(e.getMessage().matches("(eps|alpha|steps) must be .*"), e.getMessage());
    }
  }

  private static double accuracy(NDArray images) {
    boolean[] hit = model.logits(images, false).argMax(1).eq(y).toBooleanArray();
    int correct = 0;
    for (boolean h : hit) {
      correct += h ? 1 : 0;
    }
    return (double) correct / hit.length;
  }
}
