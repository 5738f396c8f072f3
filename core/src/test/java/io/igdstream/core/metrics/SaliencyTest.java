package io.igdstream.core.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.igdstream.core.TestData;
import io.igdstream.core.metrics.InductiveNoiseAttack.Variant;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.Losses;
import io.igdstream.core.model.ModelSpec;
import io.igdstream.core.model.Objectives;
import java.nio.DoubleBuffer;
import org.junit.jupiter.api.Test;

/** The saliency map on a tiny real small-cnn, and the metrics on a constant model. */
class SaliencyTest {

  private static final ModelSpec SPEC = new ModelSpec(1, 8, 8, 3);

  @Test
  void equalsTheTrueClassLogitInputGradientWithXsShape() {
    try (Classifier model = Classifier.create(Architecture.SMALL_CNN, SPEC, 5);
        NDManager m = model.manager().newSubManager()) {
      NDArray x = TestData.images(model, m, 4, 0, 1, 6);
      NDArray y = TestData.labels(m, 4, 3, 7);
      NDArray a = Saliency.of(model, x, y);
      assertArrayEquals(x.getShape().getShape(), a.getShape().getShape());
      assertEquals(x.getDataType(), a.getDataType());
      assertEquals(x.getManager(), a.getManager());
      NDArray direct = model.inputGradient(x, Objectives.trueClassLogit(y), false, false);
      assertArrayEquals(direct.toFloatArray(), a.toFloatArray(), 0f);
      assertArrayEquals(direct.toFloatArray(), Saliency.floats(model, x, y), 0f);
      NDArray ce = model.inputGradient(x, Objectives.crossEntropy(y), false, false);
      assertTrue(ce.sub(a).abs().max().getFloat() > 1e-6, "the saliency is not the CE gradient");
    }
  }

  @Test
  void matchesFiniteDifferencesOfTheTrueClassLogit() {
    // float64: (z_y(x + h·e) − z_y(x − h·e)) / 2h against a, at a few elements of each sample.
    double h = 1e-6;
    try (Classifier model = Classifier.create(Architecture.SMALL_CNN, SPEC, DataType.FLOAT64, 8);
        NDManager m = model.manager().newSubManager()) {
      NDArray x = TestData.images(model, m, 2, 0.05, 0.95, 9);
      NDArray y = TestData.labels(m, 2, 3, 10);
      double[] a = Saliency.of(model, x, y).toDoubleArray();
      double[] base = x.toDoubleArray();
      for (int i : new int[] {3, 27, 64 + 10, 64 + 50}) {
        double fd =
            (logitSum(model, m, base, i, h, y, x) - logitSum(model, m, base, i, -h, y, x))
                / (2 * h);
        assertEquals(fd, a[i], 1e-6 * Math.max(1, Math.abs(fd)), "element " + i);
      }
    }
  }

  @Test
  void constantModelGivesZeroSaliencyAndGiniZeroWithoutNaN() {
    try (Classifier model = Classifier.create(Architecture.SMALL_CNN, SPEC, 5);
        NDManager m = model.manager().newSubManager()) {
      model
          .pytorchParameters()
          .values()
          .forEach(p -> p.getArray().muli(0)); // every weight and bias 0
      NDArray x = TestData.images(model, m, 3, 0, 1, 6);
      NDArray y = TestData.labels(m, 3, 3, 7);
      float[] logits = model.logits(x, false).toFloatArray();
      assertArrayEquals(new float[9], logits, 0f, "a zero model outputs constant logits");
      float[] a = Saliency.floats(model, x, y);
      assertArrayEquals(new float[a.length], a, 0f);
      for (int s = 0; s < 3; s++) {
        assertEquals(0.0, Gini.of(a, s * 64, 64));
        assertEquals(0.0, Gini.regional(a, s * 64, 1, 8, 8, Gini.blockFor(8, 8)));
      }
      // The noise metrics still run: all-zero saliency ties resolve to the lowest indices.
      FractionErrors ina =
          InductiveNoiseAttack.errorCounts(
              model,
              x,
              y,
              a,
              new long[] {0, 1, 2},
              InductiveNoiseAttack.DEFAULT_FRACTIONS,
              Variant.ADD,
              1);
      assertEquals(3, ina.samples());
      for (int f = 0; f < ina.errors().length; f++) {
        assertTrue(!Double.isNaN(ina.errorRate(f)));
      }
    }
  }

  private static double logitSum(
      Classifier model, NDManager m, double[] base, int i, double h, NDArray y, NDArray like) {
    double[] shifted = base.clone();
    shifted[i] += h;
    try (NDManager scope = m.newSubManager()) {
      NDArray x = scope.create(DoubleBuffer.wrap(shifted), like.getShape());
      return Losses.trueClassLogit(model.logits(x, false), y).sum().getDouble();
    }
  }
}
