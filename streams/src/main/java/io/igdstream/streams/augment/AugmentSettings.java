package io.igdstream.streams.augment;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.igdstream.core.train.TrainSettings;
import java.time.Duration;

/**
 * The augment worker's settings: {@code igd.augment} plus what it shares with the trainer (epochs,
 * seed, augmentation from {@code igd.train}; attack from {@code igd.attack}; group and model id
 * from {@code igd.trainer}).
 */
public record AugmentSettings(
    String group,
    int batchSize,
    long maxLag,
    Duration pollInterval,
    Duration batchWait,
    String trainerGroup,
    String modelId,
    TrainSettings train) {

  public AugmentSettings {
    if (group == null || group.isBlank()) {
      throw new IllegalArgumentException("igd.augment.group must not be empty");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("igd.augment.batch-size must be >= 1, was " + batchSize);
    }
    if (maxLag < 1) {
      throw new IllegalArgumentException("igd.augment.max-lag must be >= 1, was " + maxLag);
    }
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException(
          "igd.augment.poll-interval must be > 0, was " + pollInterval);
    }
  }

  public static AugmentSettings fromConfig(Config root) {
    try {
      Config c = root.getConfig("igd.augment");
      return new AugmentSettings(
          c.getString("group"),
          c.getInt("batch-size"),
          c.getLong("max-lag"),
          c.getDuration("poll-interval"),
          c.getDuration("batch-wait"),
          root.getString("igd.trainer.group"),
          root.getString("igd.trainer.model-id"),
          TrainSettings.fromConfig(root));
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  public AugmentSettings withMaxLag(long records) {
    return new AugmentSettings(
        group, batchSize, records, pollInterval, batchWait, trainerGroup, modelId, train);
  }

  /** The consumer group of epoch {@code epoch} under topic prefix {@code prefix}. */
  public String epochGroup(String prefix, int epoch) {
    return prefix + "." + group + ".epoch-" + epoch;
  }
}
