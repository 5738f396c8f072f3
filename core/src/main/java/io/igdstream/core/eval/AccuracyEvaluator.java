package io.igdstream.core.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.igdstream.core.attack.Attack;
import io.igdstream.core.data.Dataset;
import io.igdstream.core.model.Classifier;
import java.util.function.IntConsumer;

/** Clean and adversarial accuracy of a classifier on the first {@code limit} test images, in batches. */
public final class AccuracyEvaluator {

  private final int batchSize;

  public AccuracyEvaluator(int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("eval batch-size must be >= 1, was " + batchSize);
    }
    this.batchSize = batchSize;
  }

  /**
   * @param attack the attack for robust accuracy (each batch seeded from {@code seed} and its index)
   * @param progress called with the number of images done after each batch
   */
  public AccuracyReport evaluate(Classifier model, Dataset test, int limit, Attack attack, long seed, IntConsumer progress) {
    long start = System.nanoTime();
    int n = Math.min(limit, test.size());
    int clean = 0;
    int robust = 0;
    float[] pixels = new float[batchSize * test.imageSize()];
    for (int from = 0, batch = 0; from < n; from += batchSize, batch++) {
      int size = Math.min(batchSize, n - from);
      long[] labels = new long[size];
      for (int i = 0; i < size; i++) {
        test.copyImage(from + i, pixels, i * test.imageSize());
        labels[i] = test.labels()[from + i];
      }
      try (NDManager scope = model.manager().newSubManager()) {
        NDArray x = model.images(scope, java.util.Arrays.copyOf(pixels, size * test.imageSize()), size);
        NDArray y = scope.create(labels);
        boolean[] cleanHit = hits(model.logits(x, false), y);
        boolean[] robustHit = hits(model.logits(attack.perturb(model, x, y, seed * 1_000_003L + batch), false), y);
        for (int i = 0; i < size; i++) {
          clean += cleanHit[i] ? 1 : 0;
          robust += cleanHit[i] && robustHit[i] ? 1 : 0;
        }
      }
      progress.accept(from + size);
    }
    return new AccuracyReport(n, clean, robust, attack.name(), (System.nanoTime() - start) / 1e9);
  }

  private static boolean[] hits(NDArray logits, NDArray labels) {
    return logits.argMax(1).toType(labels.getDataType(), false).eq(labels).toBooleanArray();
  }
}
