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
  private static final double L2_EPS = Norm.L2.defaultEps(1); // 2.0 on 28×28 grey images
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

  /** An attack with its threat model, so the bound is checked in the attack's own norm. */
  record Case(Attack attack, Norm norm, double eps) {
    @Override
    public String toString() {
      return attack.name() + " " + norm.key() + " " + eps;
    }
  }

  // APGD with 10 iterations (and APGD-T with 3 targets) keeps this class affordable; the standard
  // 100-iteration attack is compared with PGD-20 below.
  static Stream<Case> attacks() {
    return Stream.of(
        new Case(new Fgsm(EPS), Norm.LINF, EPS),
        new Case(new Pgd(new PgdSettings(EPS, 0.01, 10, true)), Norm.LINF, EPS),
        new Case(new Pgd(new PgdSettings(EPS, 0.025, 5, false)), Norm.LINF, EPS),
        new Case(new TradesPgd(new PgdSettings(EPS, 0.01, 10, true)), Norm.LINF, EPS),
        new Case(new Pgd(PgdSettings.defaults(Norm.L2, 1, 10)), Norm.L2, L2_EPS),
        new Case(new Pgd(new PgdSettings(L2_EPS, 0.5, 5, false, Norm.L2)), Norm.L2, L2_EPS),
        new Case(new ApgdCe(apgd(Norm.LINF, EPS)), Norm.LINF, EPS),
        new Case(new ApgdCe(apgd(Norm.L2, L2_EPS)), Norm.L2, L2_EPS),
        new Case(new ApgdTargeted(apgd(Norm.LINF, EPS).withTargets(3)), Norm.LINF, EPS),
        new Case(new ApgdTargeted(apgd(Norm.L2, L2_EPS).withTargets(3)), Norm.L2, L2_EPS),
        // forward-only: few queries keep it cheap here; its invariants in depth are
        // SquareAttackTest's
        new Case(new Square(new SquareSettings(Norm.LINF, EPS, 20, 0.8, 1)), Norm.LINF, EPS),
        new Case(new Square(new SquareSettings(Norm.L2, L2_EPS, 20, 0.8, 1)), Norm.L2, L2_EPS));
  }

  private static ApgdSettings apgd(Norm norm, double eps) {
    return ApgdSettings.standard(norm, eps).withIterations(10);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("attacks")
  void staysInTheEpsBallAndInPixelRange(Case c) {
    Attack attack = c.attack();
    try (NDManager m = data.newSubManager()) {
      NDArray xAdv = attack.perturb(model, x, y, 7);
      assertArrayEquals(x.getShape().getShape(), xAdv.getShape().getShape());
      assertEquals(x.getDataType(), xAdv.getDataType());
      double[] norms = c.norm().of(xAdv.sub(x));
      double largest = 0;
      for (int i = 0; i < norms.length; i++) {
        assertTrue(norms[i] <= c.eps() + 1e-6, c + ": image " + i + " is " + norms[i] + " away");
        largest = Math.max(largest, norms[i]);
      }
      assertTrue(xAdv.min().getFloat() >= 0f && xAdv.max().getFloat() <= 1f, c + " left [0, 1]");
      assertTrue(Float.isFinite(xAdv.sum().getFloat()), c + " is not finite");
      assertTrue(largest > c.eps() / 2, c + " did not move");
      xAdv.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("attacks")
  void raisesTheLossAndLowersAccuracy(Case c) {
    Attack attack = c.attack();
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
  void sameSeedSameResult(Case c) {
    Attack attack = c.attack();
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
    for (Case c : attacks().toList()) {
      c.attack().perturb(model, x, y, 3);
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

  @Test
  void apgdCeIsAtLeastAsStrongAsPgd20AtTheSameEps() {
    double pgd20 = accuracy(new Pgd(new PgdSettings(EPS, 0.01, 20, true)).perturb(model, x, y, 5));
    NDArray xAdv = new ApgdCe(ApgdSettings.standard(Norm.LINF, EPS)).perturb(model, x, y, 5);
    double apgd = accuracy(xAdv);
    assertTrue(apgd <= pgd20, "APGD-CE robust accuracy " + apgd + " above PGD-20's " + pgd20);
  }

  @Test
  void apgdTargetedFoolsPointsTheModelGotRight() {
    ApgdTargeted attack =
        new ApgdTargeted(ApgdSettings.standard(Norm.LINF, EPS).withIterations(20).withTargets(2));
    double clean = accuracy(x);
    double robust = accuracy(attack.perturb(model, x, y, 5));
    assertTrue(robust < clean, "APGD-T robust accuracy " + robust + " not below clean " + clean);
  }

  @Test
  void apgdLeavesPointsItDidNotFoolUnchanged() {
    // The reference returns x for every point no run fooled (clean errors included).
    NDArray xAdv = new ApgdCe(apgd(Norm.LINF, EPS)).perturb(model, x, y, 5);
    boolean[] wrong = model.logits(xAdv, false).argMax(1).eq(y).logicalNot().toBooleanArray();
    double[] moved = Norm.LINF.of(xAdv.sub(x));
    for (int i = 0; i < wrong.length; i++) {
      if (!wrong[i]) {
        assertEquals(0.0, moved[i], 0.0, "image " + i + " is still right and must be x");
      }
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
