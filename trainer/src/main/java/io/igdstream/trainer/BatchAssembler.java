package io.igdstream.trainer;

import io.igdstream.core.model.ModelSpec;
import io.igdstream.schemas.AdversarialSample;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.ReasonCode;
import io.igdstream.schemas.Validators;
import io.igdstream.schemas.kafka.DeadLetterRecords;
import io.igdstream.schemas.kafka.Decoded;
import java.util.ArrayDeque;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Batch assembly and validation: takes records off the pending queue until a batch is full and
 * sorts each one. An undecodable or invalid record, or one of another class count, becomes a dead
 * letter; one of an epoch past the run, a (sample id, epoch) already trained (here or earlier in
 * the batch), or too stale under the drop policy is skipped; the rest are trained, marked for a
 * fresh example under the regenerate policy. Every record joins the batch's offset range.
 */
final class BatchAssembler {

  private final AvroCodec<AdversarialSample> codec = AvroCodec.of(AdversarialSample.class);
  private final String deadLetterTopic;
  private final ModelSpec spec;
  private final int epochs;
  private final int batchSize;
  private final int maxStaleness;
  private final StalenessPolicy policy;

  BatchAssembler(
      String deadLetterTopic,
      ModelSpec spec,
      int epochs,
      int batchSize,
      int maxStaleness,
      StalenessPolicy policy) {
    this.deadLetterTopic = deadLetterTopic;
    this.spec = spec;
    this.epochs = epochs;
    this.batchSize = batchSize;
    this.maxStaleness = maxStaleness;
    this.policy = policy;
  }

  /**
   * The next batch off {@code pending}: full, or short when pending ran out.
   *
   * @param trained the pairs already trained (not changed here)
   * @param version the newest snapshot version published, which staleness is measured against
   */
  Batch assemble(
      ArrayDeque<ConsumerRecord<byte[], byte[]>> pending, TrainedSet trained, long version) {
    Batch batch = new Batch(trained.currentEpoch());
    int[] shape = {spec.channels(), spec.height(), spec.width()};
    while (batch.size() < batchSize && !pending.isEmpty()) {
      ConsumerRecord<byte[], byte[]> r = pending.poll();
      batch.range.add(r);
      Decoded<AdversarialSample> d = Decoded.of(r, codec, s -> Validators.validate(s, shape));
      if (!d.ok()) {
        batch.letters.add(DeadLetterRecords.of(deadLetterTopic, d.deadLetter()));
        continue;
      }
      AdversarialSample s = d.value();
      if (s.getClasses() != spec.classes()) {
        batch.letters.add(
            DeadLetterRecords.of(
                deadLetterTopic,
                Decoded.<AdversarialSample>rejected(
                        r,
                        ReasonCode.LABEL_OUT_OF_RANGE,
                        "record has " + s.getClasses() + " classes, the model " + spec.classes())
                    .deadLetter()));
        continue;
      }
      if (s.getEpoch() >= epochs) {
        batch.skips.add("beyond-last-epoch");
        continue;
      }
      long key = TrainedSet.key(s.getSampleId(), s.getEpoch());
      if (trained.contains(key) || batch.keys.contains(key)) {
        batch.skips.add("duplicate");
        continue;
      }
      StalenessPolicy.Action action =
          policy.actionFor(version, s.getSnapshotVersion(), maxStaleness);
      if (action == StalenessPolicy.Action.DROP) {
        batch.keys.add(key);
        batch.epochs.add(s.getEpoch());
        batch.skips.add("stale");
        continue;
      }
      batch.add(s, key, StalenessPolicy.staleness(version, s.getSnapshotVersion()), action);
    }
    return batch;
  }
}
