package io.igdstream.core.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.igdstream.core.attack.Attack;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientModel;
import io.igdstream.core.model.Objective;
import io.igdstream.core.model.Objectives;

/**
 * Input Gradient Distillation (Chen, Dong, Xie 2023, arXiv 2305.09305): L(θ) = CE(f_θ(x_adv), y) +
 * λ · mean_i [1 − cos(g_S,i, g_T,i)], with g_T the frozen teacher's input gradient at the clean x
 * and g_S the student's, taken with create_graph so the cosine term is differentiated through it
 * (double backprop). The pieces are the attack, {@link IgdLoss#teacherGradient} and {@link
 * IgdLoss#terms}; this class only orders them.
 */
public final class IgdStep implements TrainingStep {

  private final Classifier student;
  private final GradientModel teacher;
  private final Attack attack;
  private final IgdSettings igd;
  private final Sgd sgd;

  public IgdStep(
      Classifier student, GradientModel teacher, Attack attack, IgdSettings igd, Sgd sgd) {
    this.student = student;
    this.teacher = teacher;
    this.attack = attack;
    this.igd = igd;
    this.sgd = sgd;
  }

  @Override
  public StepTerms step(NDArray x, NDArray labels, long seed, double learningRate) {
    try (NDManager scope = x.getManager().newSubManager()) {
      NDArray xs = Scoped.copy(x, scope);
      NDArray xAdv = attack.perturb(student, xs, labels, seed);
      NDArray teacherGradient = IgdLoss.teacherGradient(teacher, xs, labels, igd.gradientTarget());
      return trainOn(xs, xAdv, labels, teacherGradient, learningRate);
    }
  }

  /**
   * The step on a ready x_adv and teacher gradient (what the streaming trainer receives): CE on
   * x_adv, the student gradient with create_graph, the cosine term, one backward, one update.
   */
  public StepTerms trainOn(
      NDArray x, NDArray xAdv, NDArray labels, NDArray teacherGradient, double learningRate) {
    StepTerms terms;
    try (NDManager scope = x.getManager().newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray adversarial = Scoped.copy(xAdv, scope);
      NDArray at = igd.studentGradientAtClean() ? Scoped.copy(x, scope) : adversarial;
      IgdLoss.Terms loss = IgdLoss.terms(student, adversarial, at, labels, teacherGradient, igd);
      collector.backward(loss.total());
      terms = loss.values();
    }
    sgd.step(learningRate);
    return terms;
  }

  static Objective objective(GradientTarget target, NDArray labels) {
    return target == GradientTarget.LOGIT
        ? Objectives.trueClassLogit(labels)
        : Objectives.crossEntropy(labels);
  }
}
