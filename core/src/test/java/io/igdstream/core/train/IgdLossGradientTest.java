package io.igdstream.core.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.igdstream.core.TestData;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Autograd;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.ModelSpec;
import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The IGD loss's parameter gradients — through the double backprop of the student's input gradient
 * — against float64 central finite differences, for each setting of the term.
 */
class IgdLossGradientTest {

  private static final double H = 1e-6;

  @ParameterizedTest(name = "target {0}, student gradient at clean x: {1}, lambda {2}")
  @CsvSource({"LOGIT, true, 2.0", "CE, true, 1.0", "LOGIT, false, 3.0"})
  void parameterGradientsMatchFiniteDifferences(
      GradientTarget target, boolean atClean, double lambda) {
    IgdSettings igd = new IgdSettings(lambda, target, atClean);
    ModelSpec spec = new ModelSpec(1, 8, 8, 3);
    try (Classifier student =
            Classifier.create(Architecture.SMALL_CNN, spec, DataType.FLOAT64, 21);
        Classifier teacher = Classifier.create(Architecture.SMALL_CNN, spec, DataType.FLOAT64, 22);
        NDManager m = student.manager().newSubManager()) {
      teacher.freeze();
      NDArray x = TestData.images(student, m, 4, 0.1, 0.9, 1);
      NDArray xAdv = x.add(TestData.images(student, m, 4, -0.05, 0.05, 2));
      NDArray y = TestData.labels(m, 4, 3, 3);
      NDArray gT = IgdLoss.teacherGradient(teacher, x, y, target);
      NDArray at = atClean ? x : xAdv;

      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        collector.backward(IgdLoss.terms(student, xAdv, at, y, gT, igd).total());
      }
      Random random = new Random(5);
      double worst = 0;
      int checked = 0;
      List<String> report = new ArrayList<>();
      for (var entry : student.trainableParameters().entrySet()) {
        Parameter p = entry.getValue();
        double[] analytic;
        try (NDArray g = p.getArray().getGradient()) {
          analytic = g.toDoubleArray();
        }
        for (int k = 0; k < 3; k++) {
          int i = random.nextInt(analytic.length);
          double fd =
              (loss(student, p, i, H, xAdv, at, y, gT, igd)
                      - loss(student, p, i, -H, xAdv, at, y, gT, igd))
                  / (2 * H);
          double err =
              Math.abs(fd - analytic[i]) / Math.max(1e-7, Math.abs(fd) + Math.abs(analytic[i]));
          worst = Math.max(worst, err);
          checked++;
          report.add(entry.getKey() + "[" + i + "] " + analytic[i] + " vs " + fd);
        }
      }
      assertTrue(checked == 24, "checked " + checked);
      assertTrue(worst < 1e-5, "max relative error " + worst + ": " + report);
    }
  }

  /** The loss value with one weight entry moved by h (weights restored afterwards). */
  private static double loss(
      Classifier student,
      Parameter p,
      int index,
      double h,
      NDArray xAdv,
      NDArray at,
      NDArray y,
      NDArray gT,
      IgdSettings igd) {
    NDArray w = p.getArray();
    double[] original = w.toDoubleArray();
    double[] moved = original.clone();
    moved[index] += h;
    Autograd.noGrad(() -> w.set(DoubleBuffer.wrap(moved)));
    try (NDManager scope = xAdv.getManager().newSubManager()) {
      NDArray a = xAdv.duplicate();
      a.attach(scope);
      NDArray c = at == xAdv ? a : at.duplicate();
      c.attach(scope);
      return IgdLoss.terms(student, a, c, y, gT, igd).total().getDouble();
    } finally {
      Autograd.noGrad(() -> w.set(DoubleBuffer.wrap(original)));
    }
  }
}
