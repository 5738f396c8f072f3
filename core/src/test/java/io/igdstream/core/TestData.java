package io.igdstream.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.igdstream.core.data.DatasetSplits;
import io.igdstream.core.data.Datasets;
import io.igdstream.core.model.Classifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Shared test inputs: the committed Fashion-MNIST fixture and seeded random batches. */
public final class TestData {

  private TestData() {}

  /** The fixture: the first 600 training and 200 test images of Fashion-MNIST. */
  public static DatasetSplits fashionMnistSmall() {
    Path dir = Path.of("src/test/resources/fixtures/fashion-mnist-small");
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException("fixture missing: " + dir.toAbsolutePath());
    }
    return Datasets.load("idx:" + dir, null, null);
  }

  /** Uniform images in [lo, hi] of the model's shape and type (N, C, H, W). */
  public static NDArray images(
      Classifier model, NDManager manager, int n, double lo, double hi, long seed) {
    Random random = new Random(seed);
    float[] pixels = new float[n * model.spec().imageSize()];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) (lo + (hi - lo) * random.nextDouble());
    }
    return model.images(manager, pixels, n);
  }

  /** Random class indices (N). */
  public static NDArray labels(NDManager manager, int n, int classes, long seed) {
    Random random = new Random(seed);
    long[] labels = new long[n];
    for (int i = 0; i < n; i++) {
      labels[i] = random.nextInt(classes);
    }
    return manager.create(labels);
  }
}
