package io.igdstream.core.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.igdstream.core.model.GradientModel;
import io.igdstream.core.model.Objective;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * FAB-T where the answer is known: on a linear model the linearisation is exact, so the minimal
 * adversarial distance is the distance to the one live decision boundary, and the first steps can
 * be computed by hand.
 */
class FabTargetedLinearTest {

  private static final int N = 24;
  private static final int DIM = 6; // images (N, 1, 2, 3)
  private static NDManager manager;
  private static LinearPairModel model;
  private static float[] pixels;
  private static long[] labels;
  private static NDArray x;
  private static NDArray y;

  @BeforeAll
  static void setUp() {
    manager = NDManager.newBaseManager();
    Random random = new Random(3);
    float[] w = new float[DIM];
    double centre = 0;
    for (int i = 0; i < DIM; i++) {
      w[i] = (float) (2 * random.nextDouble() - 1);
      centre += 0.5 * w[i];
    }
    // The boundary passes through the centre of the box; points within 0.1 of it keep every
    // box-free projection inside [0, 1] (|δ_i| ≤ 0.1·√D < 0.4).
    model = new LinearPairModel(w, (float) -centre);
    pixels = new float[N * DIM];
    labels = new long[N];
    for (int i = 0; i < N; i++) {
      for (int d = 0; d < DIM; d++) {
        pixels[i * DIM + d] = (float) (0.4 + 0.2 * random.nextDouble());
      }
      labels[i] = model.margin(pixels, i * DIM) > 0 ? 1 : 0;
    }
    labels[N - 1] = 1 - labels[N - 1]; // one point misclassified from the start
    x = manager.create(pixels, new Shape(N, 1, 2, 3));
    y = manager.create(labels);
  }

  @AfterAll
  static void tearDown() {
    manager.close();
  }

  @ParameterizedTest
  @EnumSource(Norm.class)
  void theMinimalAdversarialIsTheAnalyticDistanceToTheBoundary(Norm norm) {
    FabTargeted fab = new FabTargeted(FabSettings.standard(norm, 1.0));
    float[] adv = fab.perturb(model, x, y, 0).toFloatArray();
    for (int i = 0; i < N - 1; i++) {
      double analytic = model.distance(pixels, i * DIM, norm);
      double found = distance(norm, adv, pixels, i);
      assertTrue(
          model.margin(adv, i * DIM) * (labels[i] == 1 ? -1 : 1) > 0,
          norm + " point " + i + " was not fooled");
      // Nothing adversarial lies closer than the boundary. FAB ends within 1% of it: with η = 1.05
      // and β = 0.9 its iterates settle about 0.85% beyond the boundary, the best (step 2) 0.52%.
      assertTrue(found >= analytic * (1 - 1e-5) - 1e-6, i + ": " + found + " < " + analytic);
      assertEquals(analytic, found, 1e-2 * analytic, norm + " point " + i);
    }
  }

  @ParameterizedTest
  @EnumSource(Norm.class)
  void aPointAlreadyMisclassifiedComesBackUnchanged(Norm norm) {
    float[] adv =
        new FabTargeted(FabSettings.standard(norm, 1.0)).perturb(model, x, y, 0).toFloatArray();
    int last = N - 1;
    assertArrayEquals(
        Arrays.copyOfRange(pixels, last * DIM, N * DIM),
        Arrays.copyOfRange(adv, last * DIM, N * DIM));
  }

  @ParameterizedTest
  @EnumSource(Norm.class)
  void pointsWhoseBoundaryIsBeyondEpsComeBackAsXAndTheOthersAreFooledWithinEps(Norm norm) {
    double[] distances = new double[N - 1];
    for (int i = 0; i < N - 1; i++) {
      distances[i] = model.distance(pixels, i * DIM, norm);
    }
    double[] sorted = distances.clone();
    Arrays.sort(sorted);
    double eps = sorted[sorted.length / 2];
    float[] adv =
        new FabTargeted(FabSettings.standard(norm, eps)).perturb(model, x, y, 0).toFloatArray();
    int fooled = 0;
    int kept = 0;
    for (int i = 0; i < N - 1; i++) {
      float[] row = Arrays.copyOfRange(adv, i * DIM, (i + 1) * DIM);
      if (distances[i] > eps) {
        assertArrayEquals(Arrays.copyOfRange(pixels, i * DIM, (i + 1) * DIM), row, "point " + i);
        kept++;
      } else if (distances[i] < eps * 0.99) {
        assertTrue(distance(norm, adv, pixels, i) <= eps, "point " + i);
        assertTrue(model.margin(adv, i * DIM) * (labels[i] == 1 ? -1 : 1) > 0, "point " + i);
        fooled++;
      }
    }
    assertTrue(fooled >= 8 && kept >= 8, "fooled " + fooled + ", kept " + kept);
  }

  @ParameterizedTest
  @EnumSource(Norm.class)
  void theFirstTwoStepsFollowEtaAlphaAndBetaByHand(Norm norm) {
    // Step 1 from x: both projections are δ (the exact one), α = min(1/2, α_max) = 0.1, so
    // x₁ = x + η·δ: adversarial at η·dist. The backward step puts x₁ at x + β·η·δ; the step from
    // there projects the remaining (1 − βη)·δ, α = (1 − βη) / (2 − βη), and lands at
    // x + ((1 − α)(βη + η(1 − βη)) + α·η)·δ, adversarial and closer.
    double eta = 1.05;
    double beta = 0.9;
    double rest = 1 - beta * eta;
    double alpha = rest / (rest + 1);
    double second = (1 - alpha) * (beta * eta + eta * rest) + alpha * eta;
    for (int iterations = 1; iterations <= 2; iterations++) {
      FabSettings settings = FabSettings.standard(norm, 1.0).withIterations(iterations);
      float[] adv = new FabTargeted(settings).perturb(model, x, y, 0).toFloatArray();
      double factor = iterations == 1 ? eta : second;
      for (int i = 0; i < N - 1; i++) {
        double analytic = model.distance(pixels, i * DIM, norm);
        assertEquals(
            factor * analytic, distance(norm, adv, pixels, i), 2e-5, norm + " it " + iterations);
      }
    }
  }

  @Test
  void oneForwardAndBackwardPassGivesTheLinearisationForAllRows() {
    CountingModel counting = new CountingModel(model);
    new FabTargeted(FabSettings.standard(Norm.LINF, 1.0).withIterations(7))
        .perturb(counting, x, y, 0);
    // 7 gradient calls for the one target that fools everything; forwards: clean pass, 7 success
    // tests, 1 re-check of the accepted points.
    assertEquals(7, counting.gradients);
    assertEquals(9, counting.forwards);
  }

  @Test
  void targetsAreTheRunnersUpOfTheCleanLogitsInOrder() {
    float[] logits = {0.5f, 3f, -1f, 2f, 0.7f};
    assertEquals(1, FabTargeted.rankedClass(logits, 0, 5, 1));
    assertEquals(3, FabTargeted.rankedClass(logits, 0, 5, 2));
    assertEquals(4, FabTargeted.rankedClass(logits, 0, 5, 3));
    assertEquals(0, FabTargeted.rankedClass(logits, 0, 5, 4));
    assertEquals(2, FabTargeted.rankedClass(logits, 0, 5, 5));
    FabTargeted fab = new FabTargeted(FabSettings.standard(Norm.LINF, 0.1));
    assertEquals(9, fab.targetCount(10));
    assertEquals(3, fab.targetCount(4));
  }

  @Test
  void fewerThanFourClassesAreNotApplicable() {
    assertFalse(FabTargeted.applicable(3));
    assertTrue(FabTargeted.applicable(4));
    GradientModel threeClasses =
        new CountingModel(model) {
          @Override
          public int classes() {
            return 3;
          }
        };
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new FabTargeted(FabSettings.standard(Norm.L2, 1.0)).perturb(threeClasses, x, y, 0));
    assertTrue(e.getMessage().contains("4 classes"), e.getMessage());
  }

  @Test
  void invalidSettingsAreRejectedByName() {
    List<Object[]> bad =
        List.of(
            new Object[] {
              "norm", (Runnable) () -> new FabSettings(null, 0.1, 100, 1, 9, 0.1, 1.05, 0.9)
            },
            new Object[] {
              "eps", (Runnable) () -> new FabSettings(Norm.LINF, 0, 100, 1, 9, 0.1, 1.05, 0.9)
            },
            new Object[] {
              "iterations",
              (Runnable) () -> new FabSettings(Norm.LINF, 0.1, 0, 1, 9, 0.1, 1.05, 0.9)
            },
            new Object[] {
              "restarts",
              (Runnable) () -> new FabSettings(Norm.LINF, 0.1, 100, 0, 9, 0.1, 1.05, 0.9)
            },
            new Object[] {
              "targets", (Runnable) () -> new FabSettings(Norm.LINF, 0.1, 100, 1, 0, 0.1, 1.05, 0.9)
            },
            new Object[] {
              "alphaMax",
              (Runnable) () -> new FabSettings(Norm.LINF, 0.1, 100, 1, 9, 1.5, 1.05, 0.9)
            },
            new Object[] {
              "eta", (Runnable) () -> new FabSettings(Norm.LINF, 0.1, 100, 1, 9, 0.1, 0.9, 0.9)
            },
            new Object[] {
              "beta", (Runnable) () -> new FabSettings(Norm.LINF, 0.1, 100, 1, 9, 0.1, 1.05, 1.0)
            });
    for (Object[] entry : bad) {
      RuntimeException e = assertThrows(RuntimeException.class, ((Runnable) entry[1])::run);
      assertTrue(e.getMessage().startsWith(entry[0] + " must be"), e.getMessage());
    }
  }

  private static double distance(Norm norm, float[] adv, float[] clean, int row) {
    double acc = 0;
    for (int d = row * DIM; d < (row + 1) * DIM; d++) {
      double v = adv[d] - clean[d];
      acc = norm == Norm.LINF ? Math.max(acc, Math.abs(v)) : acc + v * v;
    }
    return norm == Norm.LINF ? acc : Math.sqrt(acc);
  }

  /** Counts the calls to a model it delegates to. */
  private static class CountingModel implements GradientModel {
    private final GradientModel inner;
    int forwards;
    int gradients;

    CountingModel(GradientModel inner) {
      this.inner = inner;
    }

    @Override
    public NDArray logits(NDArray images, boolean training) {
      forwards++;
      return inner.logits(images, training);
    }

    @Override
    public NDArray inputGradient(
        NDArray images, Objective objective, boolean training, boolean createGraph) {
      gradients++;
      return inner.inputGradient(images, objective, training, createGraph);
    }

    @Override
    public int classes() {
      return inner.classes();
    }
  }
}
