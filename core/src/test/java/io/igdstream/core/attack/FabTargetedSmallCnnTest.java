package io.igdstream.core.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.igdstream.core.TestData;
import io.igdstream.core.TestModels;
import io.igdstream.core.data.DatasetSplits;
import io.igdstream.core.model.Classifier;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** FAB-T's invariants on a trained small-cnn (10 classes), both norms. */
class FabTargetedSmallCnnTest {

  private static final int N = 24;
  private static Classifier model;
  private static NDManager data;
  private static NDArray x;
  private static NDArray y;
  private static float[] pixels;
  private static long[] labels;
  private static int dim;

  @BeforeAll
  static void trainModel() {
    DatasetSplits splits = TestData.fashionMnistSmall();
    model = TestModels.natSmallCnn(splits.train(), 60, 1);
    data = model.manager().newSubManager();
    NDArray[] batch = TestModels.testBatch(model, splits.test(), N, data);
    x = batch[0];
    y = batch[1];
    pixels = x.toFloatArray();
    labels = y.toLongArray();
    dim = pixels.length / N;
  }

  @AfterAll
  static void close() {
    data.close();
    model.close();
  }

  private static double eps(Norm norm) {
    return norm.defaultEps(1); // ℓ∞ 0.1, ℓ2 2.0
  }

  @ParameterizedTest
  @EnumSource(Norm.class)
  void everyRowIsEitherXOrAMisclassifiedPointWithinEps(Norm norm) {
    double eps = eps(norm);
    FabTargeted fab =
        new FabTargeted(FabSettings.standard(norm, eps).withIterations(25).withTargets(2));
    NDArray xAdv = fab.perturb(model, x, y, 7);
    assertArrayEquals(x.getShape().getShape(), xAdv.getShape().getShape());
    assertEquals(x.getDataType(), xAdv.getDataType());
    float[] adv = xAdv.toFloatArray();
    for (float v : adv) {
      assertTrue(Float.isFinite(v) && v >= 0f && v <= 1f, "value " + v);
    }
    double[] norms = norm.of(xAdv.sub(x));
    boolean[] cleanHit = hits(x);
    boolean[] advHit = hits(xAdv);
    int changed = 0;
    for (int i = 0; i < N; i++) {
      assertTrue(norms[i] <= eps + 1e-6, norm + " image " + i + " at " + norms[i]);
      float[] row = Arrays.copyOfRange(adv, i * dim, (i + 1) * dim);
      float[] clean = Arrays.copyOfRange(pixels, i * dim, (i + 1) * dim);
      if (!cleanHit[i]) {
        assertArrayEquals(clean, row, "a clean error must come back unchanged: " + i);
      } else if (!Arrays.equals(clean, row)) {
        assertTrue(!advHit[i], "a changed row must be misclassified: " + i);
        changed++;
      } else {
        assertTrue(advHit[i], "an unchanged correct row stays correct: " + i);
      }
    }
    assertTrue(count(advHit) <= count(cleanHit), "robust above clean");
    assertTrue(changed > 0, norm + ": nothing fooled");
  }

  @Test
  void standardLinfFabTAtEps01LowersAccuracyBelowClean() {
    // AutoAttack's settings (100 iterations) with one target: the cheapest run that is FAB-T.
    FabTargeted fab = new FabTargeted(FabSettings.standard(Norm.LINF, 0.1).withTargets(1));
    NDArray xAdv = fab.perturb(model, x, y, 0);
    int clean = count(hits(x));
    int robust = count(hits(xAdv));
    assertTrue(clean >= N / 2, "the fixture model should have learnt something: " + clean);
    assertTrue(robust < clean, "robust " + robust + " not below clean " + clean);
  }

  @ParameterizedTest
  @EnumSource(Norm.class)
  void sameSeedSameResultWithRandomRestarts(Norm norm) {
    FabTargeted fab =
        new FabTargeted(
            FabSettings.standard(norm, eps(norm) / 4)
                .withIterations(4)
                .withRestarts(2)
                .withTargets(1));
    float[] first = fab.perturb(model, x, y, 42).toFloatArray();
    float[] second = fab.perturb(model, x, y, 42).toFloatArray();
    assertArrayEquals(first, second);
  }

  private static boolean[] hits(NDArray images) {
    return model.logits(images, false).argMax(1).eq(y).toBooleanArray();
  }

  private static int count(boolean[] flags) {
    int c = 0;
    for (boolean f : flags) {
      c += f ? 1 : 0;
    }
    return c;
  }
}
