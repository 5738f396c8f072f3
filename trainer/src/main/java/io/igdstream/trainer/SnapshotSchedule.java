package io.igdstream.trainer;

import java.util.Optional;

/**
 * Which snapshot version the trainer publishes when: version v holds the weights after step v ·
 * {@code every} (version 0 the initial weights, which augment waits for), and the run ends with a
 * snapshot marked final, which the evaluator always reports.
 *
 * @param every steps between snapshots ({@code igd.trainer.snapshot-every})
 */
record SnapshotSchedule(int every) {

  /** A snapshot to publish: its version and whether it is the run's last. */
  record Due(long version, boolean isFinal) {}

  SnapshotSchedule {
    if (every < 1) {
      throw new IllegalArgumentException("igd.trainer.snapshot-every must be >= 1, was " + every);
    }
  }

  /**
   * Before the first batch of a run (or of a resumed one): the first snapshot, or the one a restart
   * at a snapshot step had not yet published.
   *
   * @param version the newest version published, −1 if none
   */
  Optional<Due> atStart(long step, long version) {
    if (version < 0 || (step % every == 0 && version < step / every)) {
      return Optional.of(new Due(step / every, false));
    }
    return Optional.empty();
  }

  /**
   * After a batch.
   *
   * @param step steps done, this batch's included
   * @param version the newest version published
   * @param trained whether the batch trained a step (a batch of skipped records does not)
   * @param finished whether the run is done
   */
  Optional<Due> afterBatch(long step, long version, boolean trained, boolean finished) {
    long due = (step + every - 1) / every;
    if (finished) {
      // When a last batch of skipped records trained nothing and version `due` is out already
      // (not marked final: followers ignore a version they have), the same weights go out as
      // due + 1.
      return Optional.of(new Due(!trained && version >= due ? version + 1 : due, true));
    }
    if (trained && step % every == 0) {
      return Optional.of(new Due(due, false));
    }
    return Optional.empty();
  }
}
