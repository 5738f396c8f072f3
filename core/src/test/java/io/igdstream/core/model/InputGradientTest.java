package io.igdstream.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.igdstream.core.TestData;
import java.nio.DoubleBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The input gradients the attacks, saliency and IGD rely on, against float64 central differences.
 */
class InputGradientTest {

  private static final double H = 1e-6;

  /** Checks ∂objective/∂x at 24 random elements against (f(x + h e) − f(x − h e)) / 2h. */
  private static void checkAgainstFiniteDifferences(
      Architecture architecture, ModelSpec spec, boolean training, boolean logitTarget) {
    try (Classifier model = Classifier.create(architecture, spec, DataType.FLOAT64, 7);
        NDManager m = model.manager().newSubManager()) {
      NDArray x = TestData.images(model, m, 3, 0.05, 0.95, 11);
      NDArray y = TestData.labels(m, 3, spec.classes(), 12);
      Objective objective = logitTarget ? Objectives.trueClassLogit(y) : Objectives.crossEntropy(y);
      double[] analytic = model.inputGradient(x, objective, training, false).toDoubleArray();
      double[] base = x.toDoubleArray();
      Random random = new Random(3);
      double worst = 0;
      for (int k = 0; k < 24; k++) {
        int i = random.nextInt(base.length);
        double fd =
            (value(model, m, base, i, H, objective, training, x)
                    - value(model, m, base, i, -H, objective, training, x))
                / (2 * H);
        double err =
            Math.abs(fd - analytic[i]) / Math.max(1e-8, Math.abs(fd) + Math.abs(analytic[i]));
        worst = Math.max(worst, err);
      }
      assertTrue(worst < 1e-5, "max relative error " + worst);
    }
  }

  private static double value(
      Classifier model,
      NDManager m,
      double[] base,
      int i,
      double h,
      Objective objective,
      boolean training,
      NDArray like) {
    double[] shifted = base.clone();
    shifted[i] += h;
    try (NDManager scope = m.newSubManager()) {
      NDArray x = scope.create(DoubleBuffer.wrap(shifted), like.getShape());
      return objective.apply(model.logits(x, training)).getDouble();
    }
  }

  @Test
  void smallCnnTrueClassLogitGradientMatchesFiniteDifferences() {
    checkAgainstFiniteDifferences(Architecture.SMALL_CNN, new ModelSpec(1, 8, 8, 3), false, true);
  }

  @Test
  void smallCnnCrossEntropyGradientMatchesFiniteDifferences() {
    checkAgainstFiniteDifferences(Architecture.SMALL_CNN, new ModelSpec(2, 8, 8, 4), false, false);
  }

  @Test
  void studentGradientInTrainingModeMatchesFiniteDifferences() {
    checkAgainstFiniteDifferences(Architecture.SMALL_CNN, new ModelSpec(1, 8, 8, 3), true, true);
  }

  @Test
  void preActResNetInferenceGradientMatchesFiniteDifferences() {
    checkAgainstFiniteDifferences(
        Architecture.PREACT_RESNET18, new ModelSpec(3, 8, 8, 3), false, true);
  }

  @Test
  void gradientWithGraphEqualsGradientWithoutAndLeavesParametersUntouched() {
    try (Classifier model =
            Classifier.create(Architecture.SMALL_CNN, new ModelSpec(1, 8, 8, 3), 5);
        NDManager m = model.manager().newSubManager()) {
      NDArray x = TestData.images(model, m, 4, 0, 1, 1);
      NDArray y = TestData.labels(m, 4, 3, 2);
      float[] plain =
          model.inputGradient(x, Objectives.trueClassLogit(y), true, false).toFloatArray();
      float[] withGraph =
          model.inputGradient(x, Objectives.trueClassLogit(y), true, true).toFloatArray();
      assertArrayEquals(plain, withGraph);
      for (var p : model.trainableParameters().values()) {
        NDArray g = p.getArray().getGradient();
        assertEquals(
            0.0, g.abs().sum().getFloat(), 0.0, "parameter " + p.getName() + " got a gradient");
        g.close();
      }
    }
  }

  @Test
  void constantModelHasAllZeroSaliencyWithoutNaN() {
    try (Classifier model =
            Classifier.create(Architecture.SMALL_CNN, new ModelSpec(1, 8, 8, 3), 5);
        NDManager m = model.manager().newSubManager()) {
      // Zero every weight: the logits are constant (0), so ∂z_y/∂x = 0 everywhere.
      Autograd.noGrad(() -> model.pytorchParameters().values().forEach(p -> p.getArray().muli(0)));
      NDArray x = TestData.images(model, m, 2, 0, 1, 1);
      NDArray y = TestData.labels(m, 2, 3, 2);
      float[] g = model.inputGradient(x, Objectives.trueClassLogit(y), false, false).toFloatArray();
      for (float v : g) {
        assertEquals(0f, v);
      }
      NDArray cos =
          Losses.cosineSimilarity(
              model.inputGradient(x, Objectives.trueClassLogit(y), false, false), x);
      for (float v : cos.toFloatArray()) {
        assertEquals(0f, v, "cosine with a zero gradient must be 0, not NaN");
      }
    }
  }

  @Test
  void logitsHaveOneRowPerImage() {
    try (Classifier model =
            Classifier.create(Architecture.SMALL_CNN, new ModelSpec(1, 28, 28, 10), 5);
        NDManager m = model.manager().newSubManager()) {
      NDArray x = TestData.images(model, m, 5, 0, 1, 1);
      assertArrayEquals(new long[] {5, 10}, model.logits(x, false).getShape().getShape());
      assertEquals(
          421_642,
          model.trainableParameters().values().stream().mapToLong(p -> p.getArray().size()).sum());
    }
  }
}
