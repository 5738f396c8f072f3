package io.igdstream.core.data;

import io.igdstream.core.Seeds;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Cuts a {@link Dataset} into shuffled, augmented mini-batches with random access: {@link
 * #batch(int, int)} depends only on (seed, epoch, index), so a run resumed in the middle of an
 * epoch sees exactly the batches it would have seen.
 *
 * <p>Seeding: the epoch's order is a Fisher-Yates shuffle driven by {@code new
 * SplittableRandom(mix(seed, epoch))}; sample i's augmentation draws from {@code new
 * SplittableRandom(mix(mix(seed ^ AUGMENT_SALT, epoch), i))}, where mix is a SplitMix64 combine. So
 * a sample's augmentation does not depend on where it lands in the order or on the batch size.
 *
 * <p>Thread-safe: the last epoch's permutation is cached in an immutable holder.
 */
public final class BatchSampler {
  /** Separates the augmentation streams from the shuffle streams of the same seed. */
  private static final long AUGMENT_SALT = 0x6A09E667F3BCC909L;

  private final Dataset data;
  private final int batchSize;
  private final long seed;
  private final Augmentation augmentation;
  private final boolean dropLast;
  private volatile Order cached;

  /**
   * @param data the samples
   * @param batchSize samples per batch, &gt; 0
   * @param seed root seed of shuffling and augmentation
   * @param augmentation per-sample augmentation ({@link Augmentation#NONE} for none)
   * @param dropLast drop the last, smaller batch of each epoch instead of returning it
   */
  public BatchSampler(
      Dataset data, int batchSize, long seed, Augmentation augmentation, boolean dropLast) {
    this.data = Objects.requireNonNull(data, "data");
    this.augmentation = Objects.requireNonNull(augmentation, "augmentation");
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batchSize must be > 0, was " + batchSize);
    }
    this.batchSize = batchSize;
    this.seed = seed;
    this.dropLast = dropLast;
  }

  /** Batches in each epoch: floor(N / batchSize) with dropLast, else ceil(N / batchSize). */
  public int batchesPerEpoch() {
    int n = data.size();
    return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
  }

  /** The dataset this sampler draws from. */
  public Dataset data() {
    return data;
  }

  /** Samples per full batch. */
  public int batchSize() {
    return batchSize;
  }

  /**
   * Batch {@code index} (0-based) of epoch {@code epoch} (&gt;= 0). Same arguments, same batch, bit
   * for bit.
   */
  public Batch batch(int epoch, int index) {
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be >= 0, was " + epoch);
    }
    int batches = batchesPerEpoch();
    if (index < 0 || index >= batches) {
      throw new IndexOutOfBoundsException(
          "batch index " + index + " outside [0, " + batches + ") for epoch " + epoch);
    }
    int[] order = order(epoch);
    int from = index * batchSize;
    int n = Math.min(batchSize, data.size() - from);
    int c = data.channels();
    int h = data.height();
    int w = data.width();
    int imageSize = data.imageSize();
    float[] images = new float[n * imageSize];
    int[] labels = new int[n];
    int[] indices = new int[n];
    byte[] pixels = data.pixels();
    long augmentSeed = Seeds.mix(seed ^ AUGMENT_SALT, epoch);
    boolean identity = augmentation.isIdentity();
    for (int i = 0; i < n; i++) {
      int sample = order[from + i];
      indices[i] = sample;
      labels[i] = data.labels()[sample];
      if (identity) {
        data.copyImage(sample, images, i * imageSize);
      } else {
        SplittableRandom random = new SplittableRandom(Seeds.mix(augmentSeed, sample));
        augmentation.apply(pixels, sample * imageSize, images, i * imageSize, c, h, w, random);
      }
    }
    return new Batch(images, labels, indices, c, h, w);
  }

  /** The sample order of one epoch: a permutation of 0..N-1. */
  public int[] permutation(int epoch) {
    return order(epoch).clone();
  }

  private int[] order(int epoch) {
    Order o = cached;
    if (o != null && o.epoch == epoch) {
      return o.indices;
    }
    int n = data.size();
    int[] perm = new int[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    SplittableRandom random = new SplittableRandom(Seeds.mix(seed, epoch));
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    cached = new Order(epoch, perm);
    return perm;
  }

  private record Order(int epoch, int[] indices) {}
}
