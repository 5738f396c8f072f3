package io.igdstream.core.train;

import ai.djl.ndarray.NDArray;
import io.igdstream.core.model.GradientModel;
import io.igdstream.core.model.Losses;

/** The IGD objective's pieces (docs/PROTOCOL.md §1), each small enough to check on its own. */
public final class IgdLoss {

  private IgdLoss() {}

  /**
   * The three terms as arrays (for the backward) and as numbers (for the log).
   *
   * @param total CE + λ(1 − cos)
   */
  public record Terms(NDArray total, NDArray ce, NDArray cos) {
    StepTerms values() {
      return new StepTerms(
          StepTerms.scalar(total), StepTerms.scalar(ce), StepTerms.scalar(cos), Double.NaN);
    }
  }

  /** g_T = ∇_x s_T(x, y): the frozen teacher in inference mode, no graph. */
  public static NDArray teacherGradient(
      GradientModel teacher, NDArray x, NDArray labels, GradientTarget target) {
    return teacher.inputGradient(x, IgdStep.objective(target, labels), false, false);
  }

  /** The alignment term: mean cosine and λ · (1 − mean cosine), differentiable through g_S. */
  public record Alignment(NDArray cos, NDArray penalty) {}

  /**
   * λ · mean_i [1 − cos(g_S,i, g_T,i)] with g_S = ∇_x s_S(gradientAt, y) taken with create_graph,
   * student in training mode. Call inside a gradient collector.
   */
  public static Alignment alignment(
      GradientModel student,
      NDArray gradientAt,
      NDArray labels,
      NDArray teacherGradient,
      IgdSettings igd) {
    NDArray studentGradient =
        student.inputGradient(
            gradientAt, IgdStep.objective(igd.gradientTarget(), labels), true, true);
    NDArray cos = Losses.cosineSimilarity(studentGradient, teacherGradient).mean();
    // Float scalars: a 0-dim float32 array combined with a Java double becomes float64.
    return new Alignment(cos, cos.neg().add(1f).mul((float) igd.lambda()));
  }

  /**
   * CE(f(x_adv), y) + λ · mean_i [1 − cos(g_S,i, g_T,i)], student in training mode. Call inside a
   * gradient collector.
   */
  public static Terms terms(
      GradientModel student,
      NDArray xAdv,
      NDArray gradientAt,
      NDArray labels,
      NDArray teacherGradient,
      IgdSettings igd) {
    NDArray ce = Losses.crossEntropy(student.logits(xAdv, true), labels).mean();
    Alignment alignment = alignment(student, gradientAt, labels, teacherGradient, igd);
    return new Terms(ce.add(alignment.penalty()), ce, alignment.cos());
  }
}
