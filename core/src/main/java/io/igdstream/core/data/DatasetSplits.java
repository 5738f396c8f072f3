package io.igdstream.core.data;

import java.util.Objects;

/**
 * The training and test split of one dataset. Both splits have the same shape (C, H, W) and the
 * same class list.
 */
public record DatasetSplits(Dataset train, Dataset test) {
  public DatasetSplits {
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(test, "test");
    if (train.channels() != test.channels()
        || train.height() != test.height()
        || train.width() != test.width()) {
      throw new IllegalArgumentException(
          "train and test shapes differ: " + train.shape() + " vs " + test.shape());
    }
    if (!train.classes().equals(test.classes())) {
      throw new IllegalArgumentException(
          "train and test classes differ: " + train.classes() + " vs " + test.classes());
    }
  }

  /** Both splits cut to their first {@code trainSize} and {@code testSize} samples. */
  public DatasetSplits limit(int trainSize, int testSize) {
    return new DatasetSplits(train.limit(trainSize), test.limit(testSize));
  }
}
