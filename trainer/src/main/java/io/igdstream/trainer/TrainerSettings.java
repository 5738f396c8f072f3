package io.igdstream.trainer;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;

/** The Kafka-fed trainer's own settings ({@code igd.trainer} in reference.conf). */
public record TrainerSettings(
    String group,
    String modelId,
    int snapshotEvery,
    int snapshotChunkBytes,
    int checkpointEvery,
    int keepCheckpoints,
    int maxStaleness,
    StalenessPolicy stalenessPolicy,
    Duration pollTimeout) {

  public TrainerSettings {
    if (group == null || group.isBlank()) {
      throw new IllegalArgumentException("igd.trainer.group must not be empty");
    }
    if (modelId == null || modelId.isBlank() || modelId.contains("/")) {
      throw new IllegalArgumentException(
          "igd.trainer.model-id must be non-empty without '/', was '" + modelId + "'");
    }
    atLeast("snapshot-every", snapshotEvery, 1);
    atLeast("snapshot-chunk-size", snapshotChunkBytes, 1024);
    atLeast("checkpoint-every", checkpointEvery, 1);
    atLeast("keep-checkpoints", keepCheckpoints, 1);
    atLeast("max-staleness", maxStaleness, 0);
  }

  private static void atLeast(String key, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(
          "igd.trainer." + key + " must be >= " + min + ", was " + value);
    }
  }

  /** Reads {@code igd.trainer}; errors name the key. */
  public static TrainerSettings fromConfig(Config root) {
    try {
      Config c = root.getConfig("igd.trainer");
      return new TrainerSettings(
          c.getString("group"),
          c.getString("model-id"),
          c.getInt("snapshot-every"),
          (int) c.getBytes("snapshot-chunk-size").longValue(),
          c.getInt("checkpoint-every"),
          c.getInt("keep-checkpoints"),
          c.getInt("max-staleness"),
          StalenessPolicy.of(c.getString("staleness-policy")),
          c.getDuration("poll-timeout"));
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  public TrainerSettings withSnapshotEvery(int steps) {
    return new TrainerSettings(
        group,
        modelId,
        steps,
        snapshotChunkBytes,
        checkpointEvery,
        keepCheckpoints,
        maxStaleness,
        stalenessPolicy,
        pollTimeout);
  }

  public TrainerSettings withStaleness(int max, StalenessPolicy policy) {
    return new TrainerSettings(
        group,
        modelId,
        snapshotEvery,
        snapshotChunkBytes,
        checkpointEvery,
        keepCheckpoints,
        max,
        policy,
        pollTimeout);
  }
}
