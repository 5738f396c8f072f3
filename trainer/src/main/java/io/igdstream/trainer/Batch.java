package io.igdstream.trainer;

import io.igdstream.schemas.AdversarialSample;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One step's records, as {@link BatchAssembler} sorted them: the samples to train and every record
 * of the batch's offset range (skipped and dead-lettered ones too), so that the position moves past
 * all of them once the step is done.
 */
final class Batch {

  /** The epoch the trainer was in when the batch was assembled. */
  final int startEpoch;

  /** Every record taken, in offset order. */
  final List<ConsumerRecord<byte[], byte[]>> range = new ArrayList<>();

  /** The samples to train, with their keys, staleness and whether to regenerate each. */
  final List<AdversarialSample> samples = new ArrayList<>();

  final List<Boolean> regenerate = new ArrayList<>();
  final List<Long> staleness = new ArrayList<>();

  /** The (sample id, epoch) keys and epochs the batch handles: trained and dropped as stale. */
  final List<Long> keys = new ArrayList<>();

  final List<Integer> epochs = new ArrayList<>();

  /** Why each skipped record was skipped: duplicate, stale or beyond-last-epoch. */
  final List<String> skips = new ArrayList<>();

  final List<ProducerRecord<byte[], byte[]>> letters = new ArrayList<>();

  /** Samples trained although too stale (counted only once the batch is trained). */
  int staleTrained;

  Batch(int startEpoch) {
    this.startEpoch = startEpoch;
  }

  int size() {
    return samples.size();
  }

  void add(AdversarialSample s, long key, long stalenessVersions, StalenessPolicy.Action action) {
    samples.add(s);
    keys.add(key);
    epochs.add(s.getEpoch());
    staleness.add(stalenessVersions);
    regenerate.add(action == StalenessPolicy.Action.REGENERATE);
    if (action != StalenessPolicy.Action.TRAIN) {
      staleTrained++;
    }
  }

  /** Returns the records to the front of {@code pending}, untouched (the batch was not trained). */
  void putBack(ArrayDeque<ConsumerRecord<byte[], byte[]>> pending) {
    for (int i = range.size() - 1; i >= 0; i--) {
      pending.addFirst(range.get(i));
    }
  }
}
