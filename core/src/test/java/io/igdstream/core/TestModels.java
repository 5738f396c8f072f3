package io.igdstream.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.igdstream.core.data.Augmentation;
import io.igdstream.core.data.Batch;
import io.igdstream.core.data.BatchSampler;
import io.igdstream.core.data.Dataset;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.ModelSpec;
import io.igdstream.core.train.NatStep;
import io.igdstream.core.train.Sgd;
import io.igdstream.core.train.SgdSettings;
import io.igdstream.core.train.StepTerms;
import io.igdstream.core.train.TrainingStep;
import java.util.ArrayList;
import java.util.List;

/** Small real models trained on the fixture, for tests that need a model that does something. */
public final class TestModels {

  private TestModels() {}

  public static ModelSpec specOf(Dataset data) {
    return new ModelSpec(data.channels(), data.height(), data.width(), data.classCount());
  }

  /**
   * A small-cnn trained with NAT for {@code steps} steps of 64 fixture images (≈ 75% test accuracy
   * after 60).
   */
  public static Classifier natSmallCnn(Dataset train, int steps, long seed) {
    Classifier model = Classifier.create(Architecture.SMALL_CNN, specOf(train), seed);
    try (Sgd sgd =
        new Sgd(model.trainableParameters(), new SgdSettings(0.05, 0.9, 0), model.manager())) {
      run(new NatStep(model, sgd), model, train, steps, 64, seed);
    }
    return model;
  }

  /**
   * Runs {@code steps} steps of {@code step} over seeded fixture batches and returns each step's
   * terms.
   */
  public static List<StepTerms> run(
      TrainingStep step, Classifier model, Dataset train, int steps, int batchSize, long seed) {
    BatchSampler sampler = new BatchSampler(train, batchSize, seed, Augmentation.NONE, true);
    List<StepTerms> terms = new ArrayList<>();
    for (int s = 0; s < steps; s++) {
      Batch batch = sampler.batch(s / sampler.batchesPerEpoch(), s % sampler.batchesPerEpoch());
      try (NDManager scope = model.manager().newSubManager()) {
        NDArray x = model.images(scope, batch.images(), batch.size());
        NDArray y = scope.create(toLongs(batch.labels()));
        terms.add(step.step(x, y, seed * 1000 + s, 0.05));
      }
    }
    return terms;
  }

  /** The first n test images and labels as arrays in {@code manager}. */
  public static NDArray[] testBatch(Classifier model, Dataset test, int n, NDManager manager) {
    float[] pixels = new float[n * test.imageSize()];
    long[] labels = new long[n];
    for (int i = 0; i < n; i++) {
      test.copyImage(i, pixels, i * test.imageSize());
      labels[i] = test.labels()[i];
    }
    return new NDArray[] {model.images(manager, pixels, n), manager.create(labels)};
  }

  public static long[] toLongs(int[] values) {
    long[] longs = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      longs[i] = values[i];
    }
    return longs;
  }
}
