package io.igdstream.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.igdstream.core.model.ModelSpec;
import io.igdstream.schemas.AdversarialSample;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.ReasonCode;
import io.igdstream.schemas.kafka.DeadLetterRecords;
import java.util.ArrayDeque;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** How records are sorted into a batch: trained, skipped with a reason, or dead-lettered. */
class BatchAssemblerTest {

  static final ModelSpec SPEC = new ModelSpec(1, 28, 28, KafkaTrainerTest.CLASSES);
  static final AvroCodec<AdversarialSample> CODEC = AvroCodec.of(AdversarialSample.class);
  static final String DLQ = "t.dlq";

  static BatchAssembler assembler(int batchSize, int maxStaleness, StalenessPolicy policy) {
    return new BatchAssembler(DLQ, SPEC, 2, batchSize, maxStaleness, policy);
  }

  static ArrayDeque<ConsumerRecord<byte[], byte[]>> records(byte[]... values) {
    ArrayDeque<ConsumerRecord<byte[], byte[]>> pending = new ArrayDeque<>();
    for (int i = 0; i < values.length; i++) {
      pending.add(new ConsumerRecord<>("t.train.adversarial", i % 2, 100 + i, null, values[i]));
    }
    return pending;
  }

  /** Sample {@code i} (id {@link KafkaTrainerTest#id}) as augment would make it. */
  static byte[] encoded(int i, int epoch, long version) {
    return CODEC.encode(KafkaTrainerTest.sample(i, epoch, version));
  }

  static byte[] withClasses(int i, int classes) {
    AdversarialSample s = KafkaTrainerTest.sample(i, 0, 0);
    s.setClasses(classes);
    return CODEC.encode(s);
  }

  static List<String> ids(Batch batch) {
    return batch.samples.stream().map(s -> s.getSampleId().toString()).toList();
  }

  @Test
  void eachRecordIsTrainedSkippedWithItsReasonOrDeadLetteredAndAllJoinTheRange() {
    TrainedSet trained = new TrainedSet(3, 2);
    trained.add(TrainedSet.key(KafkaTrainerTest.id(2), 0), 0);
    ArrayDeque<ConsumerRecord<byte[], byte[]>> pending =
        records(
            encoded(0, 0, 0),
            new byte[] {1, 2, 3}, // not Avro
            encoded(0, 0, 0), // the same pair again in this batch
            encoded(2, 0, 0), // trained before
            encoded(0, 1, 0), // the same sample, next epoch: a pair of its own
            encoded(1, 2, 0), // the run has epochs 0 and 1
            withClasses(3, 7), // another class count
            encoded(4, 0, 0));

    Batch batch = assembler(8, 5, StalenessPolicy.TRAIN).assemble(pending, trained, 0);

    assertEquals(
        List.of(KafkaTrainerTest.id(0), KafkaTrainerTest.id(0), KafkaTrainerTest.id(4)),
        ids(batch));
    assertEquals(List.of(0, 1, 0), batch.epochs);
    assertEquals(List.of("duplicate", "duplicate", "beyond-last-epoch"), batch.skips);
    assertEquals(2, batch.letters.size());
    assertEquals(DLQ, batch.letters.get(0).topic());
    assertEquals(
        ReasonCode.LABEL_OUT_OF_RANGE,
        DeadLetterRecords.decode(batch.letters.get(1).value()).getReasonCode());
    assertEquals(8, batch.range.size());
    assertEquals(0, batch.staleTrained);
    assertEquals(0, pending.size());
  }

  @Test
  void aFullBatchLeavesTheRestPending() {
    ArrayDeque<ConsumerRecord<byte[], byte[]>> pending =
        records(encoded(0, 0, 0), encoded(1, 0, 0), encoded(2, 0, 0));

    Batch batch = assembler(2, 5, StalenessPolicy.TRAIN).assemble(pending, new TrainedSet(3, 2), 0);

    assertEquals(2, batch.size());
    assertEquals(1, pending.size());
    batch.putBack(pending);
    assertEquals(List.of(100L, 101L, 102L), pending.stream().map(r -> r.offset()).toList());
  }

  @Test
  void tooStaleRecordsAreTrainedDroppedOrRegeneratedByPolicy() {
    // version 5 published; max staleness 2: snapshot 3 is 2 behind (fresh), snapshot 2 is 3 behind
    // samples 0 (fresh), 1 (old) and 2 (ahead)
    byte[][] values = {encoded(0, 0, 3), encoded(1, 0, 2), encoded(2, 0, 7)};

    Batch train =
        assembler(8, 2, StalenessPolicy.TRAIN).assemble(records(values), new TrainedSet(3, 2), 5);
    assertEquals(3, train.size());
    assertEquals(List.of(2L, 3L, 0L), train.staleness);
    assertEquals(1, train.staleTrained);
    assertEquals(List.of(false, false, false), train.regenerate);

    Batch drop =
        assembler(8, 2, StalenessPolicy.DROP).assemble(records(values), new TrainedSet(3, 2), 5);
    assertEquals(List.of(KafkaTrainerTest.id(0), KafkaTrainerTest.id(2)), ids(drop));
    assertEquals(List.of("stale"), drop.skips);
    assertEquals(3, drop.keys.size(), "a dropped pair counts as handled for its epoch");
    assertEquals(0, drop.staleTrained);

    Batch regenerate =
        assembler(8, 2, StalenessPolicy.REGENERATE)
            .assemble(records(values), new TrainedSet(3, 2), 5);
    assertEquals(List.of(false, true, false), regenerate.regenerate);
    assertEquals(1, regenerate.staleTrained);
  }
}
