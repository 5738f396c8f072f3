package io.igdstream.streams.augment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.igdstream.core.Seeds;
import io.igdstream.core.attack.Pgd;
import io.igdstream.core.attack.PgdSettings;
import io.igdstream.core.data.Augmentation;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.NativeMemory;
import io.igdstream.core.train.IgdLoss;
import io.igdstream.core.train.IgdSettings;
import io.igdstream.schemas.AdversarialSample;
import io.igdstream.schemas.AttackSettings;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The numerics of augment, free of Kafka and Pekko: for a batch of training samples of one epoch,
 * the per-epoch augmentation (seeded by sample id and epoch), PGD against the given snapshot model
 * in inference mode, and the frozen teacher's input gradient at the clean (augmented) x. Runs on
 * the gradient thread.
 */
public final class AdversarialExamples {

  private final Classifier teacher;
  private final PgdSettings attack;
  private final IgdSettings igd;
  private final Augmentation augmentation;
  private final long seed;
  private final String modelId;

  /** Batches made, for {@link NativeMemory#releaseEvery}. */
  private final AtomicLong batches = new AtomicLong();

  public AdversarialExamples(
      Classifier teacher,
      PgdSettings attack,
      IgdSettings igd,
      Augmentation augmentation,
      long seed,
      String modelId) {
    this.teacher = teacher;
    this.attack = attack;
    this.igd = igd;
    this.augmentation = augmentation;
    this.seed = seed;
    this.modelId = modelId;
  }

  /** The seed of one sample's draws in one epoch: the same on every worker and after restarts. */
  public long sampleSeed(String sampleId, int epoch) {
    return Seeds.mix(Seeds.mix(seed, Seeds.ofText(sampleId)), epoch);
  }

  /**
   * Makes the adversarial records of {@code samples} (all of epoch {@code epoch}) against {@code
   * model}.
   */
  public List<AdversarialSample> make(
      List<ImageSample> samples, int epoch, Classifier model, long snapshotVersion) {
    var spec = teacher.spec();
    int c = spec.channels();
    int h = spec.height();
    int w = spec.width();
    int size = c * h * w;
    int n = samples.size();
    float[] pixels = new float[n * size];
    long[] labels = new long[n];
    long batchSeed = 0;
    byte[] u8 = new byte[size];
    for (int i = 0; i < n; i++) {
      ImageSample s = samples.get(i);
      float[] image = Tensors.floats(s.getImage());
      long sampleSeed = sampleSeed(s.getId().toString(), epoch);
      batchSeed += sampleSeed; // order-free, so the batch's draws do not depend on arrival order
      if (augmentation.isIdentity()) {
        System.arraycopy(image, 0, pixels, i * size, size);
      } else {
        for (int k = 0; k < size; k++) {
          u8[k] = (byte) Math.round(image[k] * 255f);
        }
        augmentation.apply(u8, 0, pixels, i * size, c, h, w, new SplittableRandom(sampleSeed));
      }
      labels[i] = s.getLabel();
    }
    float[] adversarial;
    float[] gradient;
    try (NDManager scope = model.manager().newSubManager()) {
      NDArray x = model.images(scope, pixels, n);
      NDArray y = scope.create(labels);
      adversarial = new Pgd(attack).perturb(model, x, y, batchSeed).toFloatArray();
      try (NDManager teacherScope = teacher.manager().newSubManager()) {
        NDArray xt = teacher.images(teacherScope, pixels, n);
        NDArray yt = teacherScope.create(labels);
        gradient = IgdLoss.teacherGradient(teacher, xt, yt, igd.gradientTarget()).toFloatArray();
      }
    }
    NativeMemory.releaseEvery(
        batches.incrementAndGet()); // keeps resident memory flat (glibc holds freed tensors)
    AttackSettings settings =
        AttackSettings.newBuilder()
            .setName("pgd")
            .setEps((float) attack.eps())
            .setAlpha((float) attack.alpha())
            .setSteps(attack.steps())
            .setRandomStart(attack.randomStart())
            .build();
    List<AdversarialSample> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ImageSample s = samples.get(i);
      out.add(
          AdversarialSample.newBuilder()
              .setSampleId(s.getId())
              .setEpoch(epoch)
              .setLabel(s.getLabel())
              .setClasses(s.getClasses())
              .setX(
                  Tensors.of(
                      java.util.Arrays.copyOfRange(pixels, i * size, (i + 1) * size), c, h, w))
              .setXAdv(
                  Tensors.of(
                      java.util.Arrays.copyOfRange(adversarial, i * size, (i + 1) * size), c, h, w))
              .setTeacherGradient(
                  Tensors.of(
                      java.util.Arrays.copyOfRange(gradient, i * size, (i + 1) * size), c, h, w))
              .setSnapshotVersion(snapshotVersion)
              .setModelId(modelId)
              .setAttack(settings)
              .setSeed(sampleSeed(s.getId().toString(), epoch))
              .build());
    }
    return out;
  }
}
