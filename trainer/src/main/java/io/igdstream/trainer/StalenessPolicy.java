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
