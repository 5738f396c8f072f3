package io.igdstream.trainer;

import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.io.CheckpointDirectory;
import io.igdstream.core.io.CheckpointException;
import io.igdstream.core.io.TensorData;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import io.igdstream.core.train.Sgd;
import io.igdstream.core.train.TrainSettings;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Checkpointing of a Kafka-fed run: when one is due, and what it holds (model, optimiser and the
 * whole {@link TrainerState}, in one atomic file), and the restore at start, which refuses a
 * checkpoint of another run. DJL work runs on the gradient thread.
 */
final class TrainerCheckpoints {

  private static final String ROLE = "trainer";

  private final CheckpointDirectory directory;
  private final TrainerSettings settings;
  private final TrainSettings train;
  private final TrainingSplit split;
  private final String topic;
  private final GradientThread gradient;

  /**
   * @param topic the consumed topic ({@code {ns}.train.adversarial}), whose offsets are kept
   */
  TrainerCheckpoints(
      CheckpointDirectory directory,
      TrainerSettings settings,
      TrainSettings train,
      TrainingSplit split,
      String topic,
      GradientThread gradient) {
    this.directory = directory;
    this.settings = settings;
    this.train = train;
    this.split = split;
    this.topic = topic;
    this.gradient = gradient;
  }

  /** Whether a checkpoint is due after a batch: every {@code checkpoint-every} steps, and last. */
  boolean due(long step, boolean trained, boolean finished) {
    return (trained && step % settings.checkpointEvery() == 0) || finished;
  }

  void save(TrainerState state, Classifier student, Sgd sgd) {
    Map<String, String> meta = new LinkedHashMap<>(student.describe());
    meta.put("method", "igd");
    meta.put("role", ROLE);
    meta.put("model_id", settings.modelId());
    meta.put("seed", Long.toString(train.seed()));
    meta.put("snapshot_version", Long.toString(state.version));
    meta.put("train_samples", Integer.toString(split.samples()));
    meta.put("epochs", Integer.toString(train.epochs()));
    meta.put("trained", Long.toString(state.trained));
    meta.put("duplicates", Long.toString(state.duplicates));
    meta.put("stale", Long.toString(state.stale));
    meta.put("dead_letters", Long.toString(state.deadLetters));
    meta.put("max_staleness_seen", Long.toString(state.maxStaleness));
    state.seen.writeTo(meta);
    state.next.forEach((tp, o) -> meta.put("offset." + tp.partition(), Long.toString(o)));
    Map<String, TensorData> seen = Map.of(TrainedSet.TENSOR, state.seen.tensor());
    Checkpoint c = gradient.call(() -> state.ledger.checkpoint(meta, student, sgd, seen));
    directory.save(c, state.ledger.step());
  }

  /**
   * Restores the newest good checkpoint into {@code state}, the student and the optimiser.
   *
   * @return whether there was one
   * @throws CheckpointException if it is of another run
   */
  boolean restore(TrainerState state, Classifier student, Sgd sgd, Consumer<String> log) {
    Optional<Checkpoint> latest = directory.latest(log);
    if (latest.isEmpty()) {
      return false;
    }
    Checkpoint c = latest.get();
    directory.checkSameRun(c, student.describe());
    if (c.requireLong("train_samples") != split.samples()
        || c.requireLong("epochs") != train.epochs()) {
      throw new CheckpointException(
          "checkpoint in "
              + directory.directory()
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
    Map<String, TensorData> extra =
        gradient.call(() -> state.ledger.resume(c, student, sgd, Set.of(TrainedSet.TENSOR)));
    state.seen.restore(c, extra.get(TrainedSet.TENSOR));
    c.metadata()
        .forEach(
            (k, v) -> {
              if (k.startsWith("offset.")) {
                state.next.put(
                    new TopicPartition(topic, Integer.parseInt(k.substring("offset.".length()))),
                    Long.parseLong(v));
              }
            });
    state.version = c.requireLong("snapshot_version");
    state.trained = c.requireLong("trained");
    state.duplicates = c.requireLong("duplicates");
    state.stale = c.requireLong("stale");
    state.deadLetters = c.requireLong("dead_letters");
    state.maxStaleness = c.requireLong("max_staleness_seen");
    log.accept(
        "resumed at step "
            + state.ledger.step()
            + " (snapshot v"
            + state.version
            + ", "
            + state.trained
            + " records trained) from "
            + directory.directory());
    return true;
  }
}
