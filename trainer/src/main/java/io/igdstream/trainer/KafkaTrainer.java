package io.igdstream.trainer;

import io.igdstream.core.io.CheckpointDirectory;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import io.igdstream.core.model.ModelSpec;
import io.igdstream.core.train.IgdStep;
import io.igdstream.core.train.Sgd;
import io.igdstream.core.train.StepTerms;
import io.igdstream.core.train.TrainSettings;
import io.igdstream.core.train.TrainingLedger;
import io.igdstream.schemas.SnapshotSigner;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * The Kafka-fed IGD trainer (docs/DESIGN.md "Delivery and recovery"): consumes {@code
 * {ns}.train.adversarial} in batches, runs the IGD step on the shipped x_adv and teacher gradient,
 * publishes snapshots and checkpoints model, optimiser, position and the set of (sample id, epoch)
 * already trained, atomically. On start it restores the newest checkpoint and seeks to its offsets,
 * so a crash replays exactly the records after the checkpoint: the model is as if each record were
 * trained once. A record of a (sample id, epoch) already trained (augment is at-least-once) is
 * skipped and counted.
 *
 * <p>The loop is over named parts: {@link BatchAssembler} (assembly and validation), {@link
 * TrainedSet} (de-duplication and the trained pairs), {@link StalenessPolicy}, {@link
 * SnapshotSchedule} and {@link StudentSnapshotPublisher}, {@link TrainerCheckpoints}; the step,
 * schedule and divergence bookkeeping is the {@link TrainingLedger} it shares with the local
 * trainer. All DJL work runs on the JVM's {@link GradientThread}; the consuming loop runs on the
 * caller's thread.
 */
public final class KafkaTrainer {

  /** What the caller sees after each step. */
  public record Progress(
      long step,
      long totalSteps,
      int epoch,
      int epochs,
      long version,
      StepTerms terms,
      double learningRate,
      long trained,
      long duplicates,
      long stale,
      long deadLetters,
      long maxStaleness) {}

  /** Hooks for progress display; called on the consuming thread. */
  public interface Listener {
    default void onStep(Progress progress) {}

    default void onSnapshot(long version, int bytes) {}

    default void onMessage(String message) {}
  }

  /** How a run ended. */
  public record Result(
      long steps, long version, long trained, long duplicates, long stale, long deadLetters) {}

  private final TrainerSettings settings;
  private final TrainSettings train;
  private final KafkaSettings kafka;
  private final TopicNames topics;
  private final Architecture architecture;
  private final TrainingSplit split;
  private final TrainerMetrics metrics;
  private final Listener listener;
  private final AtomicBoolean stopRequested = new AtomicBoolean();
  private final GradientThread gradient = GradientThread.shared();
  private final TrainerState state;
  private final BatchAssembler assembler;
  private final SnapshotSchedule snapshotSchedule;
  private final TrainerCheckpoints checkpoints;
  private final Optional<SnapshotSigner> signer;

  public KafkaTrainer(
      TrainerSettings settings,
      TrainSettings train,
      KafkaSettings kafka,
      TopicNames topics,
      Architecture architecture,
      TrainingSplit split,
      CheckpointDirectory checkpoints,
      TrainerMetrics metrics,
      Listener listener) {
    this(
        settings,
        train,
        kafka,
        topics,
        architecture,
        split,
        checkpoints,
        metrics,
        listener,
        Optional.empty());
  }

  /**
   * A trainer that signs every snapshot with {@code signer} ({@code
   * SnapshotSigner.fromConfig(config)}; docs/SECURITY.md "Signed snapshots"); empty: unsigned.
   */
  public KafkaTrainer(
      TrainerSettings settings,
      TrainSettings train,
      KafkaSettings kafka,
      TopicNames topics,
      Architecture architecture,
      TrainingSplit split,
      CheckpointDirectory checkpoints,
      TrainerMetrics metrics,
      Listener listener,
      Optional<SnapshotSigner> signer) {
    ModelSpec spec = split.spec();
    architecture.checkFits(spec.channels(), spec.height(), spec.width());
    this.settings = settings;
    this.train = train;
    this.kafka = kafka;
    this.topics = topics;
    this.architecture = architecture;
    this.split = split;
    this.metrics = metrics;
    this.listener = listener;
    this.signer = signer;
    long records = (long) split.samples() * train.epochs();
    long totalSteps = Math.max(1, (records + train.batchSize() - 1) / train.batchSize());
    this.state =
        new TrainerState(
            TrainingLedger.of(train, totalSteps), new TrainedSet(split.samples(), train.epochs()));
    this.assembler =
        new BatchAssembler(
            topics.dlq(),
            spec,
            train.epochs(),
            train.batchSize(),
            settings.maxStaleness(),
            settings.stalenessPolicy());
    this.snapshotSchedule = new SnapshotSchedule(settings.snapshotEvery());
    this.checkpoints =
        new TrainerCheckpoints(
            checkpoints, settings, train, split, topics.trainAdversarial(), gradient);
  }

  /** Asks a running {@link #run} to stop after its current step (it then checkpoints). */
  public void stop() {
    stopRequested.set(true);
  }

  /**
   * Trains until every epoch is done (or {@link #stop}); returns the trained student, which the
   * caller closes.
   */
  public Classifier run() {
    ModelSpec spec = split.spec();
    Classifier student = gradient.call(() -> Classifier.create(architecture, spec, train.seed()));
    Sgd sgd =
        gradient.call(() -> new Sgd(student.trainableParameters(), train.sgd(), student.manager()));
    try (KafkaConsumer<byte[], byte[]> consumer =
            new KafkaConsumer<>(
                kafka.consumerProperties(topics.prefix() + "." + settings.group()));
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties())) {
      checkpoints.restore(state, student, sgd, listener::onMessage);
      StudentSnapshotPublisher snapshots =
          new StudentSnapshotPublisher(
              producer,
              topics.snapshots(),
              settings.modelId(),
              settings.snapshotChunkBytes(),
              split.dataset(),
              gradient,
              signer);
      IgdBatchStep step =
          new IgdBatchStep(
              student, new IgdStep(student, null, null, train.igd(), sgd), train.seed());
      seek(consumer);
      snapshotSchedule
          .atStart(state.ledger.step(), state.version)
          .ifPresent(due -> publish(snapshots, student, due));
      ArrayDeque<ConsumerRecord<byte[], byte[]>> pending = new ArrayDeque<>();
      boolean shortBatch = false;
      while (!done() && !stopRequested.get()) {
        // a batch put back short (skipped records) needs more records even with batch-size pending
        if (pending.size() < train.batchSize() || shortBatch) {
          consumer.poll(settings.pollTimeout()).forEach(pending::add);
        }
        Batch batch = assembler.assemble(pending, state.seen, state.version);
        // a short batch waits for more records, unless it is the run's last
        shortBatch = batch.size() < train.batchSize() && !state.seen.doneWith(batch.epochs);
        if (shortBatch) {
          batch.putBack(pending);
          continue;
        }
        if (batch.size() > 0) {
          trainOn(batch, step);
        }
        settle(batch, producer);
        consumer.commitAsync(state.committable(), null);
        metrics.epoch(state.seen.currentEpoch());
        if (state.seen.currentEpoch() > batch.startEpoch && state.ledger.epochSteps() > 0) {
          state.ledger.endEpoch(state.ledger.epochSteps());
        }
        boolean finished = done();
        snapshotSchedule
            .afterBatch(state.ledger.step(), state.version, batch.size() > 0, finished)
            .ifPresent(due -> publish(snapshots, student, due));
        if (checkpoints.due(state.ledger.step(), batch.size() > 0, finished)) {
          producer.flush(); // dead letters acknowledged before the checkpoint passes their offsets
          checkpoints.save(state, student, sgd);
        }
      }
      if (stopRequested.get() && !done()) {
        producer.flush();
        checkpoints.save(state, student, sgd);
      }
      consumer.commitSync(state.committable());
      return student;
    } catch (RuntimeException e) {
      gradient.call(
          () -> {
            sgd.close();
            student.close();
            return null;
          });
      throw e;
    }
  }

  /** Counters of the run so far. */
  public Result result() {
    return new Result(
        state.ledger.step(),
        state.version,
        state.trained,
        state.duplicates,
        state.stale,
        state.deadLetters);
  }

  /** Whether every epoch has seen every training sample (trained or dropped). */
  public boolean done() {
    return state.seen.done();
  }

  /** One step on the gradient thread, then the counts and the progress. */
  private void trainOn(Batch batch, IgdBatchStep step) {
    TrainingLedger ledger = state.ledger;
    double rate = ledger.rate();
    long t0 = System.nanoTime();
    StepTerms terms = gradient.call(() -> step.train(batch, rate, ledger.step()));
    ledger.stepped(terms);
    state.trained += batch.size();
    metrics.step(terms, batch.size(), (System.nanoTime() - t0) / 1e9);
    listener.onStep(
        new Progress(
            ledger.step(),
            ledger.totalSteps(),
            state.seen.currentEpoch(),
            train.epochs(),
            state.version,
            terms,
            rate,
            state.trained,
            state.duplicates,
            state.stale,
            state.deadLetters,
            state.maxStaleness));
  }

  /** After the batch: dead letters out, counts, and the position moves past its range. */
  private void settle(Batch batch, KafkaProducer<byte[], byte[]> producer) {
    for (var letter : batch.letters) {
      producer.send(
          letter,
          (md, e) -> {
            if (e != null) {
              listener.onMessage(
                  "could not write a dead letter to " + letter.topic() + ": " + e.getMessage());
            }
          });
      state.deadLetters++;
      metrics.skipped("dead-letter");
    }
    state.stale += batch.staleTrained;
    for (String reason : batch.skips) {
      if (reason.equals("duplicate")) {
        state.duplicates++;
      } else if (reason.equals("stale")) {
        state.stale++;
      }
      metrics.skipped(reason);
    }
    for (int i = 0; i < batch.keys.size(); i++) {
      state.seen.add(batch.keys.get(i), batch.epochs.get(i));
    }
    for (long s : batch.staleness) {
      metrics.staleness(s);
      state.maxStaleness = Math.max(state.maxStaleness, s);
    }
    for (ConsumerRecord<byte[], byte[]> r : batch.range) {
      state.next.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
    }
  }

  private void publish(
      StudentSnapshotPublisher snapshots, Classifier student, SnapshotSchedule.Due due) {
    int bytes = snapshots.publish(student, due.version(), state.ledger.step(), due.isFinal());
    state.version = due.version();
    metrics.version(due.version());
    listener.onSnapshot(due.version(), bytes);
  }

  /** Assigns every partition and seeks to the checkpoint's offsets (the beginning without one). */
  private void seek(KafkaConsumer<byte[], byte[]> consumer) {
    List<PartitionInfo> infos =
        consumer.partitionsFor(topics.trainAdversarial(), Duration.ofSeconds(30));
    if (infos == null || infos.isEmpty()) {
      throw new IllegalArgumentException(
          "topic " + topics.trainAdversarial() + " does not exist: create the topics first");
    }
    List<TopicPartition> partitions = new ArrayList<>();
    infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
    consumer.assign(partitions);
    for (TopicPartition tp : partitions) {
      Long offset = state.next.get(tp);
      if (offset == null) {
        consumer.seekToBeginning(List.of(tp));
        state.next.put(tp, consumer.position(tp));
      } else {
        consumer.seek(tp, offset);
      }
    }
  }
}
