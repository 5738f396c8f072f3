package io.igdstream.core.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.igdstream.core.attack.Attack;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.Losses;

/**
 * PGD adversarial training (Madry et al.): x_adv = PGD(x) in inference mode, then minimise
 * CE(f(x_adv), y).
 */
public final class PgdatStep implements TrainingStep {

  private final Classifier student;
  private final Attack attack;
  private final Sgd sgd;

  public PgdatStep(Classifier student, Attack attack, Sgd sgd) {
    this.student = student;
    this.attack = attack;
    this.sgd = sgd;
  }

  @Override
  public StepTerms step(NDArray x, NDArray labels, long seed, double learningRate) {
    double ce;
    try (NDManager scope = x.getManager().newSubManager()) {
      NDArray xAdv = attack.perturb(student, Scoped.copy(x, scope), labels, seed);
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray loss = Losses.crossEntropy(student.logits(xAdv, true), labels).mean();
        collector.backward(loss);
        ce = StepTerms.scalar(loss);
      }
    }
    sgd.step(learningRate);
    return StepTerms.of(ce, ce);
  }
}
