package io.igdstream.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.igdstream.core.Seeds;
import io.igdstream.core.attack.Pgd;
import io.igdstream.core.attack.PgdSettings;
import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.io.CheckpointDirectory;
import io.igdstream.core.io.CheckpointException;
import io.igdstream.core.io.TensorData;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import io.igdstream.core.model.ModelSpec;
import io.igdstream.core.model.NativeMemory;
import io.igdstream.core.train.IgdStep;
import io.igdstream.core.train.LearningRateSchedule;
import io.igdstream.core.train.Sgd;
import io.igdstream.core.train.StepTerms;
import io.igdstream.core.train.TrainSettings;
import io.igdstream.schemas.AdversarialSample;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.ReasonCode;
import io.igdstream.schemas.SnapshotInfo;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.Validators;
import io.igdstream.schemas.kafka.DeadLetterRecords;
import io.igdstream.schemas.kafka.Decoded;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.schemas.kafka.SnapshotPublisher;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
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
 * <p>All DJL work runs on the JVM's {@link GradientThread}; the consuming loop runs on the caller's
 * thread.
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

  private static final String STAGE = "trainer";
  private static final String SEEN_TENSOR = "trainer.seen";

  private final TrainerSettings settings;
  private final TrainSettings train;
  private final KafkaSettings kafka;
  private final TopicNames topics;
  private final Architecture architecture;
  private final TrainingSplit split;
  private final CheckpointDirectory checkpoints;
  private final TrainerMetrics metrics;
  private final Listener listener;
  private final AtomicBoolean stopRequested = new AtomicBoolean();
  private final GradientThread gradient = GradientThread.shared();
  private final AvroCodec<AdversarialSample> codec = AvroCodec.of(AdversarialSample.class);

  // position: everything below here is checkpointed
  private long step;
  private long version = -1;
  private final Map<TopicPartition, Long> next = new HashMap<>();
  private final Set<Long> seen = new HashSet<>();
  private final long[] handled;
  private long trained;
  private long duplicates;
  private long stale;
  private long deadLetters;
  private long maxSeenStaleness;
  // the epoch's loss so far, for the plateau schedule's decision at its end
  private double epochLossSum;
  private long epochSteps;

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
    ModelSpec spec = split.spec();
    architecture.checkFits(spec.channels(), spec.height(), spec.width());
    this.settings = settings;
    this.train = train;
    this.kafka = kafka;
    this.topics = topics;
    this.architecture = architecture;
    this.split = split;
    this.checkpoints = checkpoints;
    this.metrics = metrics;
    this.listener = listener;
    this.handled = new long[train.epochs()];
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
      long totalSteps = totalSteps();
      LearningRateSchedule schedule =
          new LearningRateSchedule(train.schedule(), train.sgd().learningRate(), totalSteps);
      restore(student, sgd, schedule);
      SnapshotPublisher snapshots =
          new SnapshotPublisher(
              producer, topics.snapshots(), settings.modelId(), settings.snapshotChunkBytes());
      IgdStep igd = new IgdStep(student, null, null, train.igd(), sgd);

      List<TopicPartition> partitions = partitions(consumer);
      consumer.assign(partitions);
      for (TopicPartition tp : partitions) {
        Long offset = next.get(tp);
        if (offset == null) {
          consumer.seekToBeginning(List.of(tp));
          next.put(tp, consumer.position(tp));
        } else {
          consumer.seek(tp, offset);
        }
      }
      if (version < 0
          || (step % settings.snapshotEvery() == 0 && version < step / settings.snapshotEvery())) {
        publish(snapshots, student, step / settings.snapshotEvery(), false);
      }
      ArrayDeque<ConsumerRecord<byte[], byte[]>> pending = new ArrayDeque<>();
      boolean shortBatch = false;
      while (!done() && !stopRequested.get()) {
        // a batch put back short (skipped records) needs more records even with batch-size pending
        if (pending.size() < train.batchSize() || shortBatch) {
          consumer.poll(settings.pollTimeout()).forEach(pending::add);
        }
        Batch batch = assemble(pending, producer);
        boolean last = finishesRun(batch);
        shortBatch = batch.size() < train.batchSize() && !last;
        if (shortBatch) {
          batch.putBack(pending);
          continue;
        }
        if (batch.size() > 0) {
          double rate = schedule.rate(Math.min(step, totalSteps - 1));
          long t0 = System.nanoTime();
          StepTerms terms = gradient.call(() -> trainOn(student, igd, batch, rate));
          if (!Double.isFinite(terms.total())) {
            throw new IllegalStateException(
                "training diverged at step "
                    + step
                    + " (loss "
                    + terms.total()
                    + "); lower igd.train.learning-rate (now "
                    + train.sgd().learningRate()
                    + ")");
          }
          step++;
          NativeMemory.releaseEvery(step); // keeps resident memory flat (glibc holds freed tensors)
          trained += batch.size();
          epochLossSum += terms.total();
          epochSteps++;
          metrics.step(terms, batch.size(), (System.nanoTime() - t0) / 1e9);
          listener.onStep(
              new Progress(
                  step,
                  totalSteps,
                  currentEpoch(),
                  train.epochs(),
                  version,
                  terms,
                  rate,
                  trained,
                  duplicates,
                  stale,
                  deadLetters,
                  maxSeenStaleness));
        }
        batch.advance(next);
        int before = batch.firstEpoch();
        consumer.commitAsync(committable(), null);
        metrics.epoch(currentEpoch());
        if (currentEpoch() > before && epochSteps > 0) {
          schedule.epochEnded(epochLossSum / epochSteps);
          epochLossSum = 0;
          epochSteps = 0;
        }
        boolean finished = done();
        long due = (step + settings.snapshotEvery() - 1) / settings.snapshotEvery();
        // The run ends with a snapshot marked final, which the evaluator always reports. When a
        // last
        // batch of skipped records trained nothing and version `due` is out already (not marked
        // final: followers ignore a version they have), the same weights go out as due + 1.
        if (finished) {
          publish(
              snapshots, student, batch.size() == 0 && version >= due ? version + 1 : due, true);
        } else if (batch.size() > 0 && step % settings.snapshotEvery() == 0) {
          publish(snapshots, student, due, false);
        }
        if ((batch.size() > 0 && step % settings.checkpointEvery() == 0) || finished) {
          producer.flush(); // dead letters acknowledged before the checkpoint passes their offsets
          checkpoints.save(checkpoint(student, sgd, schedule), step);
        }
      }
      if (stopRequested.get() && !done()) {
        producer.flush();
        checkpoints.save(checkpoint(student, sgd, schedule), step);
      }
      consumer.commitSync(committable());
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
    return new Result(step, version, trained, duplicates, stale, deadLetters);
  }

  /** Whether every epoch has seen every training sample (trained or dropped). */
  public boolean done() {
    for (long h : handled) {
      if (h < split.samples()) {
        return false;
      }
    }
    return true;
  }

  /** Whether the run is done once this batch is counted (then a short last batch is trained). */
  private boolean finishesRun(Batch batch) {
    long[] after = handled.clone();
    batch.epochs.forEach(e -> after[e]++);
    for (long h : after) {
      if (h < split.samples()) {
        return false;
      }
    }
    return true;
  }

  private int currentEpoch() {
    for (int e = 0; e < handled.length; e++) {
      if (handled[e] < split.samples()) {
        return e;
      }
    }
    return handled.length;
  }

  private long totalSteps() {
    long records = (long) split.samples() * train.epochs();
    return Math.max(1, (records + train.batchSize() - 1) / train.batchSize());
  }

  private void publish(SnapshotPublisher snapshots, Classifier student, long v, boolean last) {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("step", Long.toString(step));
    facts.put("method", "igd");
    facts.put("dataset", split.dataset());
    facts.put("final", Boolean.toString(last));
    byte[] payload = gradient.call(() -> student.toModelFile(Map.of()).encode());
    var spec = student.spec();
    snapshots.publish(
        payload,
        new SnapshotInfo(
            settings.modelId(),
            v,
            student.architecture().id(),
            spec.channels(),
            spec.height(),
            spec.width(),
            spec.classes(),
            System.currentTimeMillis(),
            facts));
    int bytes = payload.length;
    version = v;
    metrics.version(v);
    listener.onSnapshot(v, bytes);
  }

  private List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer) {
    List<PartitionInfo> infos =
        consumer.partitionsFor(topics.trainAdversarial(), Duration.ofSeconds(30));
    if (infos == null || infos.isEmpty()) {
      throw new IllegalArgumentException(
          "topic " + topics.trainAdversarial() + " does not exist: create the topics first");
    }
    List<TopicPartition> out = new ArrayList<>();
    infos.forEach(p -> out.add(new TopicPartition(p.topic(), p.partition())));
    return out;
  }

  private Map<TopicPartition, OffsetAndMetadata> committable() {
    Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
    next.forEach((tp, o) -> out.put(tp, new OffsetAndMetadata(o)));
    return out;
  }

  /** Takes records off {@code pending} until the batch is full; skipped records join its range. */
  private Batch assemble(
      ArrayDeque<ConsumerRecord<byte[], byte[]>> pending, KafkaProducer<byte[], byte[]> producer) {
    Batch batch = new Batch(currentEpoch());
    while (batch.size() < train.batchSize() && !pending.isEmpty()) {
      ConsumerRecord<byte[], byte[]> r = pending.poll();
      batch.range.add(r);
      Decoded<AdversarialSample> d = Decoded.of(r, codec, s -> Validators.validate(s, spec3()));
      if (!d.ok()) {
        batch.letters.add(DeadLetterRecords.of(topics.dlq(), d.deadLetter()));
        continue;
      }
      AdversarialSample s = d.value();
      if (s.getClasses() != split.spec().classes()) {
        batch.letters.add(
            DeadLetterRecords.of(
                topics.dlq(),
                Decoded.<AdversarialSample>rejected(
                        r,
                        ReasonCode.LABEL_OUT_OF_RANGE,
                        "record has "
                            + s.getClasses()
                            + " classes, the model "
                            + split.spec().classes())
                    .deadLetter()));
        continue;
      }
      if (s.getEpoch() >= train.epochs()) {
        batch.skips.add("beyond-last-epoch");
        continue;
      }
      long key = Seeds.mix(Seeds.ofText(s.getSampleId()), s.getEpoch());
      if (seen.contains(key) || batch.keys.contains(key)) {
        batch.skips.add("duplicate");
        continue;
      }
      long staleness = Math.max(0, version - s.getSnapshotVersion());
      if (staleness > settings.maxStaleness()
          && settings.stalenessPolicy() == StalenessPolicy.DROP) {
        batch.keys.add(key);
        batch.epochs.add(s.getEpoch());
        batch.skips.add("stale");
        continue;
      }
      batch.add(s, key, staleness, staleness > settings.maxStaleness());
    }
    batch.producer = producer;
    return batch;
  }

  private int[] spec3() {
    ModelSpec spec = split.spec();
    return new int[] {spec.channels(), spec.height(), spec.width()};
  }

  private StepTerms trainOn(Classifier student, IgdStep igd, Batch batch, double rate) {
    ModelSpec spec = split.spec();
    int n = batch.size();
    int size = spec.channels() * spec.height() * spec.width();
    float[] x = new float[n * size];
    float[] xAdv = new float[n * size];
    float[] g = new float[n * size];
    long[] labels = new long[n];
    for (int i = 0; i < n; i++) {
      AdversarialSample s = batch.samples.get(i);
      copy(s.getX().getData(), x, i * size);
      copy(s.getXAdv().getData(), xAdv, i * size);
      copy(s.getTeacherGradient().getData(), g, i * size);
      labels[i] = s.getLabel();
    }
    try (NDManager scope = student.manager().newSubManager()) {
      NDArray xs = student.images(scope, x, n);
      NDArray ys = scope.create(labels);
      NDArray adversarial = student.images(scope, xAdv, n);
      if (batch.regenerate.stream().anyMatch(b -> b)) {
        adversarial = regenerate(student, batch, xs, ys, adversarial, scope);
      }
      NDArray gT = student.images(scope, g, n);
      return igd.trainOn(xs, adversarial, ys, gT, rate);
    }
  }

  /** Rows made against a too-old snapshot get a fresh PGD example against the current model. */
  private NDArray regenerate(
      Classifier student, Batch batch, NDArray x, NDArray y, NDArray shipped, NDManager scope) {
    AdversarialSample first = batch.samples.get(0);
    PgdSettings pgd =
        new PgdSettings(
            first.getAttack().getEps(),
            first.getAttack().getAlpha(),
            first.getAttack().getSteps(),
            first.getAttack().getRandomStart());
    NDArray fresh = new Pgd(pgd).perturb(student, x, y, Seeds.mix(train.seed(), step));
    boolean[] mask = new boolean[batch.size()];
    for (int i = 0; i < mask.length; i++) {
      mask[i] = batch.regenerate.get(i);
    }
    NDArray m = scope.create(mask).reshape(batch.size(), 1, 1, 1);
    return fresh.mul(m).add(shipped.mul(m.logicalNot()));
  }

  private static void copy(ByteBuffer data, float[] dst, int offset) {
    ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().get(dst, offset, b.remaining() / Float.BYTES);
  }

  /** One step's records: the trained samples and every record of its offset range. */
  private final class Batch {
    final int startEpoch;
    final List<ConsumerRecord<byte[], byte[]>> range = new ArrayList<>();
    final List<AdversarialSample> samples = new ArrayList<>();
    final List<Long> keys = new ArrayList<>();
    final List<Integer> epochs = new ArrayList<>();
    final List<Boolean> regenerate = new ArrayList<>();
    final List<Long> staleness = new ArrayList<>();
    final List<String> skips = new ArrayList<>();
    final List<org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]>> letters =
        new ArrayList<>();
    KafkaProducer<byte[], byte[]> producer;
    int staleTrained;

    Batch(int startEpoch) {
      this.startEpoch = startEpoch;
    }

    int size() {
      return samples.size();
    }

    int firstEpoch() {
      return startEpoch;
    }

    void add(AdversarialSample s, long key, long stalenessVersions, boolean tooStale) {
      samples.add(s);
      keys.add(key);
      epochs.add(s.getEpoch());
      staleness.add(stalenessVersions);
      regenerate.add(tooStale && settings.stalenessPolicy() == StalenessPolicy.REGENERATE);
      if (tooStale) {
        staleTrained++; // counted in advance(): a batch put back is assembled again
      }
    }

    /**
     * Returns the records to the front of {@code pending}, untouched (the batch was not trained).
     */
    void putBack(ArrayDeque<ConsumerRecord<byte[], byte[]>> pending) {
      for (int i = range.size() - 1; i >= 0; i--) {
        pending.addFirst(range.get(i));
      }
    }

    /** After the step: counts, dead letters, and the position moves past the range. */
    void advance(Map<TopicPartition, Long> position) {
      for (var letter : letters) {
        producer.send(
            letter,
            (md, e) -> {
              if (e != null) {
                listener.onMessage(
                    "could not write a dead letter to " + letter.topic() + ": " + e.getMessage());
              }
            });
        KafkaTrainer.this.deadLetters++;
        metrics.skipped("dead-letter");
      }
      stale += staleTrained;
      for (String reason : skips) {
        if (reason.equals("duplicate")) {
          duplicates++;
        } else if (reason.equals("stale")) {
          stale++;
        }
        metrics.skipped(reason);
      }
      for (int i = 0; i < keys.size(); i++) {
        seen.add(keys.get(i));
        handled[epochs.get(i)]++;
      }
      for (long s : staleness) {
        metrics.staleness(s);
        maxSeenStaleness = Math.max(maxSeenStaleness, s);
      }
      for (ConsumerRecord<byte[], byte[]> r : range) {
        position.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
      }
    }
  }

  private Checkpoint checkpoint(Classifier student, Sgd sgd, LearningRateSchedule schedule) {
    Map<String, String> meta = new LinkedHashMap<>(student.describe());
    meta.put("method", "igd");
    meta.put("role", STAGE);
    meta.put("model_id", settings.modelId());
    meta.put("seed", Long.toString(train.seed()));
    meta.put("step", Long.toString(step));
    meta.put("snapshot_version", Long.toString(version));
    meta.put("train_samples", Integer.toString(split.samples()));
    meta.put("epochs", Integer.toString(train.epochs()));
    meta.put("trained", Long.toString(trained));
    meta.put("duplicates", Long.toString(duplicates));
    meta.put("stale", Long.toString(stale));
    meta.put("dead_letters", Long.toString(deadLetters));
    meta.put("max_staleness_seen", Long.toString(maxSeenStaleness));
    meta.put("epoch_loss_sum", Double.toString(epochLossSum));
    meta.put("epoch_steps", Long.toString(epochSteps));
    for (int e = 0; e < handled.length; e++) {
      meta.put("handled." + e, Long.toString(handled[e]));
    }
    next.forEach((tp, o) -> meta.put("offset." + tp.partition(), Long.toString(o)));
    schedule.state().forEach((k, v) -> meta.put("schedule." + k, v));
    LinkedHashMap<String, TensorData> state = new LinkedHashMap<>(gradient.call(sgd::state));
    state.put(SEEN_TENSOR, seenTensor());
    return new Checkpoint(meta, gradient.call(student::stateDict), state);
  }

  private TensorData seenTensor() {
    long[] keys = seen.stream().mapToLong(Long::longValue).sorted().toArray();
    ByteBuffer b =
        ByteBuffer.allocate(Math.max(1, keys.length) * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (long k : keys) {
      b.putLong(k);
    }
    return new TensorData(
        "I64", new long[] {keys.length}, keys.length == 0 ? new byte[0] : b.array());
  }

  private void restore(Classifier student, Sgd sgd, LearningRateSchedule schedule) {
    Optional<Checkpoint> latest = checkpoints.latest(listener::onMessage);
    if (latest.isEmpty()) {
      return;
    }
    Checkpoint c = latest.get();
    checkpoints.checkSameRun(c, student.describe());
    if (c.requireLong("train_samples") != split.samples()
        || c.requireLong("epochs") != train.epochs()) {
      throw new CheckpointException(
          "checkpoint in "
              + checkpoints.directory()
              + " is of a run with "
              + c.require("train_samples")
              + " samples x "
              + c.require("epochs")
              + " epochs, this one has "
              + split.samples()
              + " x "
              + train.epochs()
              + " (use another --out to start a new run)");
    }
    LinkedHashMap<String, TensorData> optimizer = new LinkedHashMap<>(c.optimizer());
    TensorData seenData = optimizer.remove(SEEN_TENSOR);
    gradient.call(
        () -> {
          student.loadStateDict(c.model());
          sgd.loadState(optimizer);
          return null;
        });
    if (seenData != null) {
      ByteBuffer b = ByteBuffer.wrap(seenData.data()).order(ByteOrder.LITTLE_ENDIAN);
      while (b.remaining() >= Long.BYTES) {
        seen.add(b.getLong());
      }
    }
    Map<String, String> scheduleState = new LinkedHashMap<>();
    c.metadata()
        .forEach(
            (k, v) -> {
              if (k.startsWith("schedule.")) {
                scheduleState.put(k.substring("schedule.".length()), v);
              } else if (k.startsWith("offset.")) {
                next.put(
                    new TopicPartition(
                        topics.trainAdversarial(),
                        Integer.parseInt(k.substring("offset.".length()))),
                    Long.parseLong(v));
              }
            });
    schedule.restore(scheduleState);
    step = c.requireLong("step");
    version = c.requireLong("snapshot_version");
    trained = c.requireLong("trained");
    duplicates = c.requireLong("duplicates");
    stale = c.requireLong("stale");
    deadLetters = c.requireLong("dead_letters");
    maxSeenStaleness = c.requireLong("max_staleness_seen");
    epochLossSum = Double.parseDouble(c.require("epoch_loss_sum"));
    epochSteps = c.requireLong("epoch_steps");
    for (int e = 0; e < handled.length; e++) {
      handled[e] = c.requireLong("handled." + e);
    }
    listener.onMessage(
        "resumed at step "
            + step
            + " (snapshot v"
            + version
            + ", "
            + trained
            + " records trained) from "
            + checkpoints.directory());
  }
}
