package io.igdstream.streams.corrupt;

import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.CorruptedSample;
import io.igdstream.schemas.DeadLetter;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.ReasonCode;
import io.igdstream.schemas.RecordDecodingException;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.Tensors;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.Validators;
import io.igdstream.schemas.kafka.DeadLetterRecords;
import io.igdstream.schemas.kafka.Decoded;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.kafka.PekkoKafka;
import io.igdstream.streams.metrics.StreamMetrics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.kafka.ConsumerMessage.Committable;
import org.apache.pekko.kafka.ConsumerMessage.CommittableMessage;
import org.apache.pekko.kafka.ConsumerMessage.CommittableOffset;
import org.apache.pekko.kafka.ProducerMessage;
import org.apache.pekko.kafka.ProducerMessage.Envelope;
import org.apache.pekko.kafka.ProducerMessage.MultiResult;
import org.apache.pekko.kafka.ProducerMessage.Results;
import org.apache.pekko.kafka.Subscriptions;
import org.apache.pekko.kafka.javadsl.Committer;
import org.apache.pekko.kafka.javadsl.Consumer;
import org.apache.pekko.kafka.javadsl.Producer;

/**
 * The corrupt worker's Kafka wiring: test samples of {@code {ns}.samples} become every corruption ×
 * severity in {@code {ns}.test.corrupted} (key {@code source_id/corruption/severity}, UTF-8), at
 * least once (docs/DESIGN.md "Delivery and recovery").
 *
 * <p>Each source record becomes one envelope carrying its offset: the corrupted records of a test
 * sample ({@code multi}), the dead letter of a bad record for {@code {ns}.dlq} ({@code single}), or
 * nothing for a training sample ({@code passThrough}). A crash replays, never skips; a replay
 * writes identical bytes under the same keys, because outputs are seeded by sample and coordinates
 * ({@link CorruptionFlow}).
 *
 * <p>Why {@code Producer.flexiFlow} + {@code Committer.sink} and not {@code
 * Producer.committableSink}: committableSink adds an offset to its commit batch when that
 * envelope's sends are acknowledged, and the batch keeps the <em>last added</em> offset per
 * partition, not the highest. A passThrough is "acknowledged" at once, and records sent to
 * different partitions or topics are acknowledged in any order, so a later offset can be committed
 * before an earlier record's outputs are in Kafka (a crash then skips it), and an earlier offset
 * can overwrite a later one (the group then never reaches the end of a quiet partition; seen in
 * {@code CorruptStageTest} on every run; upstream akka/alpakka-kafka#1242, #1285). flexiFlow emits
 * results in source order, each after its records are acknowledged, so the committer sees offsets
 * in order.
 *
 * <p>Only test samples are validated: training samples belong to augment, which dead-letters the
 * invalid ones itself; validating them here too would put each one in {@code {ns}.dlq} twice. A
 * record that cannot be decoded has no known split and is dead-lettered here in any case.
 */
public final class CorruptStage {

  /** The {@code stage} label of this stage's metrics. */
  public static final String STAGE = "corrupt";

  private static final AvroCodec<ImageSample> SAMPLES = AvroCodec.of(ImageSample.class);
  private static final AvroCodec<CorruptedSample> CORRUPTED = AvroCodec.of(CorruptedSample.class);

  private final CorruptionFlow corruption;
  private final TopicNames topics;
  private final StreamMetrics metrics;

  private CorruptStage(CorruptionFlow corruption, TopicNames topics, StreamMetrics metrics) {
    this.corruption = corruption;
    this.topics = topics;
    this.metrics = metrics;
  }

  /**
   * Starts the stage as consumer group {@code <prefix>.<settings.group>} on {@code
   * topics.samples()}. Decoding and corrupting run on {@link CorruptionFlow#executor}, {@code
   * settings.parallelism} records at a time. Stop it with {@code drainAndShutdown}, which lets
   * in-flight records finish and commits their offsets.
   */
  public static Consumer.DrainingControl<Done> run(
      ActorSystem system,
      KafkaSettings kafka,
      TopicNames topics,
      CorruptSettings settings,
      StreamMetrics metrics) {
    CorruptStage stage = new CorruptStage(new CorruptionFlow(settings), topics, metrics);
    Executor executor = CorruptionFlow.executor(system);
    String group = topics.prefix() + "." + settings.group();
    return Consumer.committableSource(
            PekkoKafka.consumer(system, kafka, group), Subscriptions.topics(topics.samples()))
        .mapAsync(
            settings.parallelism(),
            message -> CompletableFuture.supplyAsync(() -> stage.envelope(message), executor))
        .via(Producer.<byte[], byte[], Committable>flexiFlow(PekkoKafka.producer(system, kafka)))
        .map(stage::acknowledged)
        .toMat(Committer.sink(PekkoKafka.committer(system, kafka)), Consumer::createDrainingControl)
        .run(system);
  }

  /** What one source record turns into. */
  Envelope<byte[], byte[], Committable> envelope(CommittableMessage<byte[], byte[]> message) {
    metrics.consumed(STAGE, 1);
    ConsumerRecord<byte[], byte[]> record = message.record();
    CommittableOffset offset = message.committableOffset();
    Decoded<ImageSample> decoded = Decoded.of(record, SAMPLES, CorruptStage::validate);
    if (!decoded.ok()) {
      return deadLetter(decoded.deadLetter(), offset);
    }
    ImageSample sample = decoded.value();
    if (sample.getSplit() != Split.TEST) {
      return ProducerMessage.passThrough(offset);
    }
    List<CorruptedSample> outputs;
    try {
      outputs = corruption.corrupt(sample);
    } catch (RuntimeException e) {
      // Validation let it through, yet it cannot be corrupted: failing the stream would only make
      // every restart fail on the same record.
      DeadLetter letter =
          Decoded.<ImageSample>rejected(record, ReasonCode.OTHER, "corruption failed: " + e)
              .deadLetter();
      return deadLetter(letter, offset);
    }
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(outputs.size());
    for (CorruptedSample output : outputs) {
      records.add(
          new ProducerRecord<>(topics.testCorrupted(), key(output), CORRUPTED.encode(output)));
    }
    return ProducerMessage.multi(records, offset);
  }

  /**
   * Counts the corrupted records the broker acknowledged and hands the offset on to be committed.
   */
  Committable acknowledged(Results<byte[], byte[], Committable> results) {
    if (results instanceof MultiResult<byte[], byte[], Committable> corrupted) {
      metrics.produced(STAGE, corrupted.getParts().size());
    }
    return results.passThrough();
  }

  private Envelope<byte[], byte[], Committable> deadLetter(
      DeadLetter letter, CommittableOffset offset) {
    metrics.deadLetter(STAGE, letter.getReasonCode());
    return ProducerMessage.single(DeadLetterRecords.of(topics.dlq(), letter), offset);
  }

  /**
   * {@code source_id/corruption/severity}, UTF-8: the record's identity in {@code
   * {ns}.test.corrupted}.
   */
  static byte[] key(CorruptedSample sample) {
    return (sample.getSourceId() + "/" + sample.getCorruption() + "/" + sample.getSeverity())
        .getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Checks a test sample before it is corrupted: a [C, H, W] image with 1 or 3 channels (what every
   * corruption supports), then {@link Validators#validate(ImageSample, int...)} against its own
   * shape. The dataset's size is not known here; the evaluator compares shapes with its model.
   */
  static void validate(ImageSample sample) {
    if (sample.getSplit() != Split.TEST) {
      return;
    }
    int[] shape = Tensors.shape(sample.getImage());
    if (shape.length != 3 || (shape[0] != 1 && shape[0] != 3)) {
      throw new RecordDecodingException(
          ReasonCode.SHAPE_MISMATCH,
          "image shape " + Arrays.toString(shape) + ", expected [C, H, W] with C = 1 or 3");
    }
    Validators.validate(sample, shape);
  }
}
