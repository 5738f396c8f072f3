package io.igdstream.core.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.Losses;

/** Standard training (NAT): minimise CE(f(x), y). The teacher of IGD is trained this way. */
public final class NatStep implements TrainingStep {

  private final Classifier student;
  private final Sgd sgd;

  public NatStep(Classifier student, Sgd sgd) {
    this.student = student;
    this.sgd = sgd;
  }

  @Override
  public StepTerms step(NDArray x, NDArray labels, long seed, double learningRate) {
    double ce;
    try (NDManager scope = x.getManager().newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray loss =
          Losses.crossEntropy(student.logits(Scoped.copy(x, scope), true), labels).mean();
      collector.backward(loss);
      ce = StepTerms.scalar(loss);
    }
    sgd.step(learningRate);
    return StepTerms.of(ce, ce);
  }
}
