package io.igdstream.core.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.igdstream.core.model.Losses;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ℓ2 PGD on toy models whose CE gradient direction is known by hand, and its settings. */
class PgdL2Test {

  private static final float R = (float) (1 / Math.sqrt(2));
  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  private float[] attack(PgdSettings settings, AutogradToyModel model, float[] x, long... y) {
    NDArray images = manager.create(x, new Shape(y.length, 1, 1, x.length / y.length));
    return new Pgd(settings).perturb(model, images, manager.create(y), 3).toFloatArray();
  }

  @Test
  void oneStepMovesAlphaAlongTheNormalisedGradient() {
    // Logits = pixels (0.5, 0.5), y = 0: ∇CE = softmax − onehot = (−½, ½), unit (−1, 1)/√2.
    // α = 0.1, ε = 1: δ = 0.1·(−1, 1)/√2, inside the ball and the box.
    float[] adv =
        attack(
            new PgdSettings(1, 0.1, 1, false, Norm.L2),
            AutogradToyModel.identity(2),
            new float[] {0.5f, 0.5f},
            0);
    assertArrayEquals(new float[] {0.5f - 0.1f * R, 0.5f + 0.1f * R}, adv, 1e-6f);
  }

  @Test
  void aStepLongerThanEpsIsProjectedOntoTheSphere() {
    // the same step with ε = 0.05: δ = 0.05·(−1, 1)/√2; a second step points the same way (the
    // 2-class CE gradient is always (−p₁, p₁)) and is projected back to the same point
    for (int steps : new int[] {1, 2}) {
      float[] adv =
          attack(
              new PgdSettings(0.05, 0.1, steps, false, Norm.L2),
              AutogradToyModel.identity(2),
              new float[] {0.5f, 0.5f},
              0);
      assertArrayEquals(new float[] {0.5f - 0.05f * R, 0.5f + 0.05f * R}, adv, 1e-6f);
    }
  }

  @Test
  void theBoxClipFollowsTheBallProjection() {
    // x = (0.02, 0.98): the unit gradient is again (−1, 1)/√2; x + 0.1·(−1, 1)/√2 leaves [0, 1]
    // and is clipped to (0, 1), 0.02·√2 from x
    float[] adv =
        attack(
            new PgdSettings(1, 0.1, 1, false, Norm.L2),
            AutogradToyModel.identity(2),
            new float[] {0.02f, 0.98f},
            0);
    assertArrayEquals(new float[] {0, 1}, adv, 0f);
  }

  @Test
  void aZeroGradientLeavesThePointWithoutNaN() {
    // the bump's gradient vanishes at its centre u = c
    float[] adv =
        attack(
            new PgdSettings(0.5, 0.1, 3, false, Norm.L2),
            AutogradToyModel.bump(0.5f),
            new float[] {0.5f, 0.25f},
            0);
    assertArrayEquals(new float[] {0.5f, 0.25f}, adv, 0f);
  }

  @Test
  void theRandomStartIsUniformInTheBall() {
    // A model with zero gradient keeps δ₀. In 2-D, uniform in the disc of radius ε means
    // P(‖δ₀‖ ≤ ε/√2) = ½ (on the circle it would be 0); 2000 draws: ±0.05 is > 4 standard errors.
    AutogradToyModel flat = new AutogradToyModel(2, x -> x.reshape(x.getShape().get(0), -1).mul(0));
    int n = 2000;
    float[] x = new float[2 * n];
    java.util.Arrays.fill(x, 0.5f);
    long[] y = new long[n];
    float[] adv = attack(new PgdSettings(0.2, 0.01, 1, true, Norm.L2), flat, x, y);
    int inner = 0;
    double meanU = 0;
    for (int i = 0; i < n; i++) {
      double du = adv[2 * i] - 0.5;
      double dv = adv[2 * i + 1] - 0.5;
      double r = Math.hypot(du, dv);
      assertTrue(r <= 0.2 + 1e-6, "start " + i + " is " + r + " from x");
      inner += r <= 0.2 / Math.sqrt(2) ? 1 : 0;
      meanU += du / n;
    }
    assertEquals(0.5, inner / (double) n, 0.05);
    assertEquals(0, meanU, 0.01, "no preferred direction");
  }

  @Test
  void perImageNormStaysWithinEpsAndTheLossRises() {
    // 16 random logits per image, random labels: every image within ε, CE up on average
    int n = 8;
    int d = 16;
    Random random = new Random(5);
    float[] x = new float[n * d];
    long[] y = new long[n];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextFloat();
    }
    for (int i = 0; i < n; i++) {
      y[i] = random.nextInt(d);
    }
    AutogradToyModel identity = AutogradToyModel.identity(d);
    float eps = 0.75f;
    // α = 2.5·ε/K as the ℓ2 default; ε = 0.75 binds (the defaults' 2.0 would hardly)
    float[] adv = attack(new PgdSettings(eps, 2.5 * eps / 10, 10, true, Norm.L2), identity, x, y);
    NDArray clean = manager.create(x, new Shape(n, 1, 1, d));
    NDArray moved = manager.create(adv, new Shape(n, 1, 1, d));
    double[] norms = Norm.L2.of(moved.sub(clean));
    for (int i = 0; i < n; i++) {
      assertTrue(norms[i] <= eps + 1e-6, "image " + i + " is " + norms[i] + " away");
      assertTrue(norms[i] > eps / 2, "image " + i + " hardly moved: " + norms[i]);
    }
    NDArray labels = manager.create(y);
    double before = Losses.crossEntropy(clean.reshape(n, d), labels).mean().getFloat();
    double after = Losses.crossEntropy(moved.reshape(n, d), labels).mean().getFloat();
    assertTrue(after > before + 0.1, "CE " + after + " not above clean " + before);
  }

  @Test
  void theFourArgumentSettingsMeanLinfAndL2AcceptLargeRadii() {
    assertEquals(Norm.LINF, new PgdSettings(0.1, 0.01, 10, true).norm());
    assertEquals(
        new PgdSettings(0.1, 0.01, 10, true), new PgdSettings(0.1, 0.01, 10, true, Norm.LINF));
    PgdSettings l2 = PgdSettings.defaults(Norm.L2, 1, 10);
    assertEquals(2.0, l2.eps());
    assertEquals(0.5, l2.alpha(), 1e-12); // 2.5·ε/K
    assertEquals(Norm.L2, l2.norm());
    assertEquals(0.5, PgdSettings.defaults(Norm.L2, 3, 20).eps());
    assertEquals(PgdSettings.defaults(3, 20), PgdSettings.defaults(Norm.LINF, 3, 20));
    assertEquals(Norm.L2, new PgdSettings(0.1, 0.01, 10, true).withNorm(Norm.L2).norm());
    PgdSettings large = new PgdSettings(1.5, 2, 5, true, Norm.L2);
    assertEquals(1.5, large.eps(), 0);
    assertEquals(2.0, large.alpha(), 0);
  }

  @Test
  void l2SettingsAreRejectedByName() {
    for (Runnable bad :
        new Runnable[] {
          () -> new PgdSettings(-1, 0.1, 10, true, Norm.L2),
          () -> new PgdSettings(Double.POSITIVE_INFINITY, 0.1, 10, true, Norm.L2),
          () -> new PgdSettings(1, 0, 10, true, Norm.L2),
          () -> new PgdSettings(1, 0.1, 0, true, Norm.L2),
          () -> new PgdSettings(1, 0.1, 10, true, null)
        }) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad::run);
      assertTrue(e.getMessage().matches("(eps|alpha|steps|norm) must be .*"), e.getMessage());
    }
  }

  @Test
  void tradesPgdRejectsL2() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new TradesPgd(new PgdSettings(1, 0.1, 10, true, Norm.L2)));
    assertTrue(e.getMessage().startsWith("norm must be linf"), e.getMessage());
  }
}
