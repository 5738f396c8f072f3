package io.igdstream.core.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.igdstream.core.TestData;
import io.igdstream.core.TestModels;
import io.igdstream.core.data.DatasetSplits;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientModel;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Square on the engine: its starts, its invariants, its query accounting, and masked gradients. */
class SquareAttackTest {

  private static final int N = 32;
  private static Classifier model;
  private static NDManager data;
  private static NDArray x;
  private static NDArray y;

  @BeforeAll
  static void trainModel() {
    DatasetSplits splits = TestData.fashionMnistSmall();
    model = TestModels.natSmallCnn(splits.train(), 60, 1);
    data = model.manager().newSubManager();
    NDArray[] batch = TestModels.testBatch(model, splits.test(), N, data);
    x = batch[0];
    y = batch[1];
  }

  @AfterAll
  static void close() {
    data.close();
    model.close();
  }

  private static SquareSettings settings(Norm norm, int queries) {
    // the protocol's radii on 28×28 grey data: ℓ∞ 0.1, ℓ2 2.0
    return new SquareSettings(norm, norm.defaultEps(1), queries, 0.8, 1);
  }

  @Test
  void linfStartIsVerticalStripesOfPlusMinusEps() {
    try (NDManager m = data.newSubManager()) {
      int n = 4;
      int c = 3;
      int side = 6;
      NDArray grey = m.full(new Shape(n, c, side, side), 0.5f);
      NDArray labels = m.zeros(new Shape(n), ai.djl.ndarray.types.DataType.INT64);
      // the start is ε = 0.1 from grey, the model's threshold 0.05: the start fools every image
      SquareModels.DistanceFromGrey inner = new SquareModels.DistanceFromGrey(Norm.LINF, 0.05);
      SquareModels.Counting counting = new SquareModels.Counting(inner, null, n, 0);
      float[] adv =
          new Square(new SquareSettings(Norm.LINF, 0.1, 100, 0.8, 1))
              .perturb(counting, grey, labels, 5)
              .toFloatArray();
      int plus = 0;
      for (int i = 0; i < n; i++) {
        for (int ch = 0; ch < c; ch++) {
          for (int col = 0; col < side; col++) {
            float top = adv[((i * c + ch) * side) * side + col] - 0.5f;
            assertEquals(0.1f, Math.abs(top), 1e-6f);
            plus += top > 0 ? 1 : 0;
            for (int row = 1; row < side; row++) {
              float v = adv[((i * c + ch) * side + row) * side + col] - 0.5f;
              assertEquals(top, v, 0f, "a column is one stripe");
            }
          }
        }
      }
      assertTrue(plus > 0 && plus < n * c * side, "both signs occur: " + plus);
      // clean check, the start's query, the success check: nothing else
      assertEquals(3 * n, counting.totalRows);
      assertEquals(3, counting.calls);
    }
  }

  @Test
  void l2StartIsAGridOfSignedWindowsWithNormEps() {
    try (NDManager m = data.newSubManager()) {
      int n = 2;
      int c = 2;
      int side = 28;
      double eps = 1.0;
      NDArray grey = m.full(new Shape(n, c, side, side), 0.5f);
      NDArray labels = m.zeros(new Shape(n), ai.djl.ndarray.types.DataType.INT64);
      GradientModel inner = new SquareModels.DistanceFromGrey(Norm.L2, eps / 2);
      float[] adv =
          new Square(new SquareSettings(Norm.L2, eps, 100, 0.8, 1))
              .perturb(inner, grey, labels, 11)
              .toFloatArray();
      // tiles of ⌊28/5⌋ = 5 pixels from (28 − 25)/2 = 1: rows and columns 1…25 covered, 0, 26, 27
      // empty; 25·C tiles of norm 1 each before the total is scaled to ε.
      float[] plain = Square.window(5, false);
      float[] flipped = Square.window(5, true);
      double tileNorm = eps / Math.sqrt(25.0 * c);
      double total = 0;
      for (int i = 0; i < n; i++) {
        for (int ch = 0; ch < c; ch++) {
          int base = (i * c + ch) * side * side;
          for (int row = 0; row < side; row++) {
            for (int col = 0; col < side; col++) {
              double v = adv[base + row * side + col] - 0.5;
              total += v * v;
              if (row == 0 || row > 25 || col == 0 || col > 25) {
                assertEquals(0.0, v, 0.0, "outside the grid");
              }
            }
          }
          for (int a = 0; a < 5; a++) {
            for (int b = 0; b < 5; b++) {
              float[] tile = new float[25];
              for (int r = 0; r < 5; r++) {
                for (int col = 0; col < 5; col++) {
                  int j = base + (1 + 5 * a + r) * side + 1 + 5 * b + col;
                  tile[r * 5 + col] = (float) ((adv[j] - 0.5) / tileNorm);
                }
              }
              assertTrue(
                  near(tile, plain, 1)
                      || near(tile, plain, -1)
                      || near(tile, flipped, 1)
                      || near(tile, flipped, -1),
                  "tile "
                      + a
                      + ","
                      + b
                      + " is ±window(5), maybe transposed: "
                      + Arrays.toString(tile));
            }
          }
        }
      }
      assertEquals(n * eps * eps, total, 1e-5);
    }
  }

  @ParameterizedTest
  @EnumSource(Norm.class)
  void anImageNeverFooledCostsOneCheckPlusStartQueriesAndCheckPerRestartAndComesBackAsX(Norm norm) {
    try (NDManager m = data.newSubManager()) {
      int n = 3;
      int queries = 7;
      int restarts = 2;
      NDArray grey = m.full(new Shape(n, 1, 8, 8), 0.5f);
      NDArray labels = m.zeros(new Shape(n), ai.djl.ndarray.types.DataType.INT64);
      // the ball has radius 0.1, the model's margin stays >= 0.2 − 0.1 > 0 inside it
      SquareModels.Counting counting =
          new SquareModels.Counting(new SquareModels.DistanceFromGrey(norm, 0.2), null, n, 0);
      NDArray adv =
          new Square(new SquareSettings(norm, 0.1, queries, 0.8, restarts))
              .perturb(counting, grey, labels, 1);
      assertEquals(1 + restarts * (1 + queries + 1), counting.calls);
      assertEquals(n * counting.calls, counting.totalRows);
      assertArrayEquals(grey.toFloatArray(), adv.toFloatArray());
    }
  }

  @ParameterizedTest
  @EnumSource(Norm.class)
  void staysInTheBallAndTheBoxAndOnlyReturnsSuccessesOrX(Norm norm) {
    SquareSettings settings = settings(norm, 50);
    try (NDManager m = data.newSubManager()) {
      NDArray xAdv = new Square(settings).perturb(model, x, y, 3);
      assertEquals(x.getShape(), xAdv.getShape());
      assertEquals(x.getDataType(), xAdv.getDataType());
      try (NDArray delta = xAdv.sub(x)) {
        for (double distance : norm.of(delta)) {
          assertTrue(distance <= settings.eps() + 1e-6, norm.key() + " distance " + distance);
        }
      }
      float[] adv = xAdv.toFloatArray();
      float[] clean = x.toFloatArray();
      for (float v : adv) {
        assertTrue(Float.isFinite(v) && v >= 0f && v <= 1f, "pixel " + v);
      }
      boolean[] correct = correct(xAdv);
      int d = clean.length / N;
      int moved = 0;
      for (int i = 0; i < N; i++) {
        boolean unchanged =
            Arrays.equals(
                Arrays.copyOfRange(adv, i * d, (i + 1) * d),
                Arrays.copyOfRange(clean, i * d, (i + 1) * d));
        assertTrue(unchanged || !correct[i], "image " + i + " moved without being fooled");
        moved += unchanged ? 0 : 1;
      }
      double cleanAccuracy = accuracy(correct(x));
      double robustAccuracy = accuracy(correct);
      assertTrue(cleanAccuracy > 0.6, "the fixture model should work: " + cleanAccuracy);
      assertTrue(
          robustAccuracy <= cleanAccuracy, "robust " + robustAccuracy + " > " + cleanAccuracy);
      assertTrue(moved > 0, "nothing was fooled");
    }
  }

  @ParameterizedTest
  @EnumSource(Norm.class)
  void sameSeedSameResultOtherSeedOtherResult(Norm norm) {
    Square square = new Square(settings(norm, 40));
    try (NDManager m = data.newSubManager()) {
      float[] first = square.perturb(model, x, y, 99).toFloatArray();
      float[] second = square.perturb(model, x, y, 99).toFloatArray();
      float[] other = square.perturb(model, x, y, 100).toFloatArray();
      assertArrayEquals(first, second);
      assertFalse(Arrays.equals(first, other));
    }
  }

  @ParameterizedTest
  @EnumSource(Norm.class)
  void queriesEachImageAtMostTheBudgetAndNeverAMisclassifiedOne(Norm norm) {
    int queries = 30;
    SquareSettings settings = settings(norm, queries);
    try (NDManager m = data.newSubManager()) {
      float[] clean = x.toFloatArray();
      // an ℓ∞ ball of radius ε lies inside the ℓ2 ball of radius ε·√D
      double radius =
          norm == Norm.LINF ? settings.eps() * Math.sqrt(clean.length / N) : settings.eps();
      SquareModels.Counting counting = new SquareModels.Counting(model, clean, N, radius);
      NDArray xAdv = new Square(settings).perturb(counting, x, y, 21);
      boolean[] before = correct(x);
      boolean[] after = correct(xAdv);
      float[] adv = xAdv.toFloatArray();
      int d = clean.length / N;
      int misclassified = 0;
      int survivors = 0;
      for (int i = 0; i < N; i++) {
        int count = counting.rows[i];
        if (!before[i]) {
          misclassified++;
          assertEquals(1, count, "a misclassified image is only checked: image " + i);
          assertArrayEquals(
              Arrays.copyOfRange(clean, i * d, (i + 1) * d),
              Arrays.copyOfRange(adv, i * d, (i + 1) * d));
        } else if (after[i]) {
          survivors++;
          // clean check + start + every query + success check
          assertEquals(queries + 3, count, "a survivor used the whole budget: image " + i);
        } else {
          assertTrue(count >= 3 && count <= queries + 3, "image " + i + ": " + count);
        }
      }
      assertTrue(misclassified > 0 && survivors > 0, misclassified + " / " + survivors);
      // one forward pass per query for the whole batch, not one per image
      assertTrue(counting.calls <= queries + 3, "forward passes: " + counting.calls);
    }
  }

  @Test
  void findsWhatPgdCannotWhenTheGradientIsMasked() {
    GradientModel masked = new SquareModels.Quantised(model);
    try (NDManager m = data.newSubManager()) {
      double clean = accuracy(correct(masked, x));
      NDArray pgdAdv = new Pgd(new PgdSettings(0.1, 0.01, 20, true)).perturb(masked, x, y, 4);
      double pgd = accuracy(correct(masked, pgdAdv));
      NDArray squareAdv = new Square(settings(Norm.LINF, 300)).perturb(masked, x, y, 4);
      double square = accuracy(correct(masked, squareAdv));
      assertTrue(clean > 0.6, "the quantised model still works: " + clean);
      assertTrue(
          pgd >= clean - 0.1, "PGD on zero gradients is only noise: " + pgd + " vs " + clean);
      assertTrue(square < pgd - 0.15, "Square " + square + ", PGD " + pgd + ", clean " + clean);
    }
  }

  @Test
  void lowersTheAccuracyOfATrainedSmallCnn() {
    try (NDManager m = data.newSubManager()) {
      double clean = accuracy(correct(x));
      double robust =
          accuracy(correct(new Square(settings(Norm.LINF, 200)).perturb(model, x, y, 8)));
      assertTrue(robust < clean - 0.1, "robust " + robust + ", clean " + clean);
    }
  }

  private static boolean near(float[] a, float[] b, int sign) {
    for (int j = 0; j < a.length; j++) {
      if (Math.abs(a[j] - sign * b[j]) > 1e-4) {
        return false;
      }
    }
    return true;
  }

  private static boolean[] correct(NDArray images) {
    return correct(model, images);
  }

  private static boolean[] correct(GradientModel classifier, NDArray images) {
    return classifier.logits(images, false).argMax(1).eq(y).toBooleanArray();
  }

  private static double accuracy(boolean[] hits) {
    int count = 0;
    for (boolean h : hits) {
      count += h ? 1 : 0;
    }
    return (double) count / hits.length;
  }
}
