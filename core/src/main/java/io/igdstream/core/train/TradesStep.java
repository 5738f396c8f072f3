package io.igdstream.core.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.igdstream.core.attack.TradesPgd;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientModel;
import io.igdstream.core.model.Losses;

/**
 * TRADES (Zhang et al. 2019): CE(f(x), y) + β · mean_i KL(softmax(f(x_i)) ‖ softmax(f(x_adv,i))),
 * x_adv from {@link TradesPgd}; with a teacher (TRADES+IGD, the IGD authors' variant) the IGD term
 * λ · mean_i [1 − cos(g_S,i, g_T,i)] is added, g_S at the clean x.
 */
public final class TradesStep implements TrainingStep {

  private final Classifier student;
  private final TradesPgd attack;
  private final double beta;
  private final GradientModel teacher; // null for plain TRADES
  private final IgdSettings igd;
  private final Sgd sgd;

  public TradesStep(
      Classifier student,
      TradesPgd attack,
      double beta,
      GradientModel teacher,
      IgdSettings igd,
      Sgd sgd) {
    if (!(beta >= 0)) {
      throw new IllegalArgumentException("trades.beta must be >= 0, was " + beta);
    }
    this.student = student;
    this.attack = attack;
    this.beta = beta;
    this.teacher = teacher;
    this.igd = igd;
    this.sgd = sgd;
  }

  @Override
  public StepTerms step(NDArray x, NDArray labels, long seed, double learningRate) {
    StepTerms terms;
    try (NDManager scope = x.getManager().newSubManager()) {
      NDArray xs = Scoped.copy(x, scope);
      NDArray xAdv = attack.perturb(student, xs, labels, seed);
      NDArray teacherGradient =
          teacher == null
              ? null
              : IgdLoss.teacherGradient(teacher, xs, labels, igd.gradientTarget());
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray logits = student.logits(xs, true);
        NDArray ce = Losses.crossEntropy(logits, labels).mean();
        NDArray kl = Losses.klDivergence(student.logits(xAdv, true), logits.softmax(1)).mean();
        NDArray total = ce.add(kl.mul((float) beta));
        double cos = Double.NaN;
        if (teacher != null) {
          IgdLoss.Alignment alignment =
              IgdLoss.alignment(student, xs, labels, teacherGradient, igd);
          total = total.add(alignment.penalty());
          cos = StepTerms.scalar(alignment.cos());
        }
        collector.backward(total);
        terms =
            new StepTerms(StepTerms.scalar(total), StepTerms.scalar(ce), cos, StepTerms.scalar(kl));
      }
    }
    sgd.step(learningRate);
    return terms;
  }
}
