package io.igdstream.trainer;

import io.igdstream.core.train.TrainingLedger;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a Kafka-fed run is: everything its checkpoint keeps besides the model and optimiser (the
 * steps and schedule, the trained pairs, the next offset per partition, the newest snapshot version
 * and the run's counters). Used on the consuming thread only.
 */
final class TrainerState {

  final TrainingLedger ledger;
  final TrainedSet seen;

  /** The next offset to train per partition of {@code {ns}.train.adversarial}. */
  final Map<TopicPartition, Long> next = new HashMap<>();

  /** The newest snapshot version published, −1 before the first. */
  long version = -1;

  long trained;
  long duplicates;
  long stale;
  long deadLetters;
  long maxStaleness;

  TrainerState(TrainingLedger ledger, TrainedSet seen) {
    this.ledger = ledger;
    this.seen = seen;
  }

  /** The position as offsets to commit. */
  Map<TopicPartition, OffsetAndMetadata> committable() {
    Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
    next.forEach((tp, o) -> out.put(tp, new OffsetAndMetadata(o)));
    return out;
  }
}
