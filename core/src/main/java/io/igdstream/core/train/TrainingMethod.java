package io.igdstream.core.train;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The training methods of docs/PROTOCOL.md §1, by their command-line names. */
public enum TrainingMethod {
  NAT("nat", false),
  PGDAT("pgdat", false),
  IGD("igd", true),
  TRADES("trades", false),
  TRADES_IGD("trades-igd", true);

  private final String id;
  private final boolean needsTeacher;

  TrainingMethod(String id, boolean needsTeacher) {
    this.id = id;
    this.needsTeacher = needsTeacher;
  }

  public String id() {
    return id;
  }

  /** Whether the method aligns with a frozen teacher's input gradient. */
  public boolean needsTeacher() {
    return needsTeacher;
  }

  /** Whether the method trains on adversarial examples. */
  public boolean adversarial() {
    return this != NAT;
  }

  public static TrainingMethod of(String id) {
    for (TrainingMethod m : values()) {
      if (m.id.equals(id)) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "unknown method '"
            + id
            + "', expected one of "
            + Arrays.stream(values()).map(TrainingMethod::id).collect(Collectors.joining(", ")));
  }
}
