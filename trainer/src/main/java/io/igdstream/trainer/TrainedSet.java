package io.igdstream.trainer;

import io.igdstream.core.Seeds;
import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.io.TensorData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * De-duplication and the trained-set state: the (sample id, epoch) pairs already trained or dropped
 * (augment delivers at least once, so a pair may come again) and how many of each epoch, which says
 * when an epoch and the run are done. Both go into the checkpoint.
 */
final class TrainedSet {

  /** The checkpoint tensor of the trained keys, beside the optimiser's. */
  static final String TENSOR = "trainer.seen";

  private final int samples;
  private final Set<Long> seen = new HashSet<>();
  private final long[] handled;

  /**
   * @param samples the training samples of an epoch
   * @param epochs the epochs of the run
   */
  TrainedSet(int samples, int epochs) {
    this.samples = samples;
    this.handled = new long[epochs];
  }

  /** The key of a (sample id, epoch) pair. */
  static long key(String sampleId, int epoch) {
    return Seeds.mix(Seeds.ofText(sampleId), epoch);
  }

  boolean contains(long key) {
    return seen.contains(key);
  }

  /** Counts a pair of {@code epoch} as handled (trained or dropped). */
  void add(long key, int epoch) {
    seen.add(key);
    handled[epoch]++;
  }

  long handled(int epoch) {
    return handled[epoch];
  }

  /** Whether every epoch has had every training sample. */
  boolean done() {
    return doneWith(List.of());
  }

  /** Whether the run is done once pairs of these epochs are added too. */
  boolean doneWith(List<Integer> epochs) {
    long[] after = handled.clone();
    epochs.forEach(e -> after[e]++);
    for (long h : after) {
      if (h < samples) {
        return false;
      }
    }
    return true;
  }

  /** The first epoch not yet done (the number of epochs when all are). */
  int currentEpoch() {
    for (int e = 0; e < handled.length; e++) {
      if (handled[e] < samples) {
        return e;
      }
    }
    return handled.length;
  }

  /** Adds the per-epoch counts to checkpoint metadata. */
  void writeTo(Map<String, String> meta) {
    for (int e = 0; e < handled.length; e++) {
      meta.put("handled." + e, Long.toString(handled[e]));
    }
  }

  /** Restores {@link #writeTo}'s counts and the keys of {@link #tensor} (null: none). */
  void restore(Checkpoint c, TensorData keys) {
    for (int e = 0; e < handled.length; e++) {
      handled[e] = c.requireLong("handled." + e);
    }
    if (keys != null) {
      ByteBuffer b = ByteBuffer.wrap(keys.data()).order(ByteOrder.LITTLE_ENDIAN);
      while (b.remaining() >= Long.BYTES) {
        seen.add(b.getLong());
      }
    }
  }

  /** The trained keys, sorted, as a little-endian I64 tensor. */
  TensorData tensor() {
    long[] keys = seen.stream().mapToLong(Long::longValue).sorted().toArray();
    ByteBuffer b =
        ByteBuffer.allocate(Math.max(1, keys.length) * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (long k : keys) {
      b.putLong(k);
    }
    return new TensorData(
        "I64", new long[] {keys.length}, keys.length == 0 ? new byte[0] : b.array());
  }
}
