package io.igdstream.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.igdstream.core.Seeds;
import io.igdstream.core.attack.Pgd;
import io.igdstream.core.attack.PgdSettings;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.ModelSpec;
import io.igdstream.core.train.IgdStep;
import io.igdstream.core.train.StepTerms;
import io.igdstream.schemas.AdversarialSample;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The IGD step on one batch of shipped records: x, x_adv and the teacher gradient as arrays, rows
 * marked for regeneration replaced by a fresh PGD example against the current student. Runs on the
 * gradient thread.
 */
final class IgdBatchStep {

  private final Classifier student;
  private final IgdStep igd;
  private final long seed;

  IgdBatchStep(Classifier student, IgdStep igd, long seed) {
    this.student = student;
    this.igd = igd;
    this.seed = seed;
  }

  /**
   * @param step the global step (seeds the regenerated examples)
   */
  StepTerms train(Batch batch, double rate, long step) {
    ModelSpec spec = student.spec();
    int n = batch.size();
    int size = spec.channels() * spec.height() * spec.width();
    float[] x = new float[n * size];
    float[] xAdv = new float[n * size];
    float[] g = new float[n * size];
    long[] labels = new long[n];
    for (int i = 0; i < n; i++) {
      AdversarialSample s = batch.samples.get(i);
      copy(s.getX().getData(), x, i * size);
      copy(s.getXAdv().getData(), xAdv, i * size);
      copy(s.getTeacherGradient().getData(), g, i * size);
      labels[i] = s.getLabel();
    }
    try (NDManager scope = student.manager().newSubManager()) {
      NDArray xs = student.images(scope, x, n);
      NDArray ys = scope.create(labels);
      NDArray adversarial = student.images(scope, xAdv, n);
      if (batch.regenerate.stream().anyMatch(b -> b)) {
        adversarial = regenerate(batch, xs, ys, adversarial, scope, step);
      }
      NDArray gT = student.images(scope, g, n);
      return igd.trainOn(xs, adversarial, ys, gT, rate);
    }
  }

  /** Rows made against a too-old snapshot get a fresh PGD example against the current model. */
  private NDArray regenerate(
      Batch batch, NDArray x, NDArray y, NDArray shipped, NDManager scope, long step) {
    AdversarialSample first = batch.samples.get(0);
    PgdSettings pgd =
        new PgdSettings(
            first.getAttack().getEps(),
            first.getAttack().getAlpha(),
            first.getAttack().getSteps(),
            first.getAttack().getRandomStart());
    NDArray fresh = new Pgd(pgd).perturb(student, x, y, Seeds.mix(seed, step));
    boolean[] mask = new boolean[batch.size()];
    for (int i = 0; i < mask.length; i++) {
      mask[i] = batch.regenerate.get(i);
    }
    NDArray m = scope.create(mask).reshape(batch.size(), 1, 1, 1);
    return fresh.mul(m).add(shipped.mul(m.logicalNot()));
  }

  private static void copy(ByteBuffer data, float[] dst, int offset) {
    ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().get(dst, offset, b.remaining() / Float.BYTES);
  }
}
