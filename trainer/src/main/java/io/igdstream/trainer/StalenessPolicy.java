package io.igdstream.trainer;

import java.util.Arrays;
import java.util.Locale;

/** What the trainer does with a record made against a snapshot older than {@code max-staleness}. */
public enum StalenessPolicy {
  /** Train on it anyway (counted). */
  TRAIN,
  /** Skip it for this epoch (counted). */
  DROP,
  /** Make a fresh PGD example against the current model in the trainer, then train. */
  REGENERATE;

  /** What happens to one record. */
  public enum Action {
    /** Fresh enough: train on the shipped example. */
    TRAIN,
    /** Too stale, trained on the shipped example anyway (counted stale). */
    TRAIN_STALE,
    /** Too stale, skipped for this epoch (counted stale). */
    DROP,
    /** Too stale, trained on a fresh example made against the current model (counted stale). */
    REGENERATE
  }

  /**
   * The action for a record made against {@code snapshotVersion} while the trainer has published up
   * to {@code version}: stale when more than {@code maxStaleness} versions behind.
   */
  public Action actionFor(long version, long snapshotVersion, int maxStaleness) {
    if (staleness(version, snapshotVersion) <= maxStaleness) {
      return Action.TRAIN;
    }
    return switch (this) {
      case TRAIN -> Action.TRAIN_STALE;
      case DROP -> Action.DROP;
      case REGENERATE -> Action.REGENERATE;
    };
  }

  /** Versions the record's snapshot is behind the newest published one (0 if not behind). */
  public static long staleness(long version, long snapshotVersion) {
    return Math.max(0, version - snapshotVersion);
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static StalenessPolicy of(String id) {
    for (StalenessPolicy p : values()) {
      if (p.id().equals(id)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "igd.trainer.staleness-policy must be one of "
            + Arrays.stream(values()).map(StalenessPolicy::id).toList()
            + ", was '"
            + id
            + "'");
  }
}
