package io.igdstream.streams.kafka;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.igdstream.schemas.TopicNames;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Partitions and topic configuration of the six topics of a prefix, read from {@code igd.topics} of
 * reference.conf (where every key is documented).
 */
public record TopicsSettings(
    Topic samples,
    Topic trainAdversarial,
    Topic testCorrupted,
    Topic snapshots,
    Topic reports,
    Topic dlq) {

  /** {@code retention} = "infinite": Kafka's {@code retention.ms = -1}. */
  public static final long INFINITE_RETENTION = -1;

  /**
   * One topic's settings.
   *
   * @param key the HOCON path of its section, for error messages ({@code igd.topics.samples})
   * @param partitions number of partitions, >= 1
   * @param maxMessageBytes largest record batch, topic config {@code max.message.bytes}
   * @param retentionMs topic config {@code retention.ms}; {@link #INFINITE_RETENTION} keeps records
   * @param cleanupPolicy {@code delete} or {@code compact}
   */
  public record Topic(
      String key, int partitions, int maxMessageBytes, long retentionMs, String cleanupPolicy) {

    public Topic {
      if (partitions < 1) {
        throw new IllegalArgumentException(key + ".partitions must be >= 1, was " + partitions);
      }
      if (maxMessageBytes < 1) {
        throw new IllegalArgumentException(
            key + ".max-message-bytes must be >= 1, was " + maxMessageBytes);
      }
      if (retentionMs < 0 && retentionMs != INFINITE_RETENTION) {
        throw new IllegalArgumentException(
            key + ".retention must be >= 0 or infinite, was " + retentionMs + " ms");
      }
      if (!List.of("delete", "compact").contains(cleanupPolicy)) {
        throw new IllegalArgumentException(
            key + ".cleanup-policy must be delete or compact, was '" + cleanupPolicy + "'");
      }
    }

    /** The topic with this name and these settings. */
    public TopicSpec spec(String name) {
      Map<String, String> config = new LinkedHashMap<>();
      config.put("max.message.bytes", Integer.toString(maxMessageBytes));
      config.put("retention.ms", Long.toString(retentionMs));
      config.put("cleanup.policy", cleanupPolicy);
      return new TopicSpec(name, partitions, config);
    }

    static Topic fromConfig(Config root, String key) {
      long bytes = root.getBytes(key + ".max-message-bytes");
      if (bytes > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            key + ".max-message-bytes must be < 2 GiB, was " + bytes);
      }
      String retention = key + ".retention";
      long retentionMs =
          "infinite".equals(root.getValue(retention).unwrapped())
              ? INFINITE_RETENTION
              : root.getDuration(retention).toMillis();
      return new Topic(
          key,
          root.getInt(key + ".partitions"),
          (int) bytes,
          retentionMs,
          root.getString(key + ".cleanup-policy"));
    }
  }

  /** Reads and validates {@code igd.topics}; errors name the key. */
  public static TopicsSettings fromConfig(Config root) {
    String t = "igd.topics.";
    try {
      return new TopicsSettings(
          Topic.fromConfig(root, t + "samples"),
          Topic.fromConfig(root, t + "train-adversarial"),
          Topic.fromConfig(root, t + "test-corrupted"),
          Topic.fromConfig(root, t + "snapshots"),
          Topic.fromConfig(root, t + "reports"),
          Topic.fromConfig(root, t + "dlq"));
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** The settings of reference.conf and application.conf. */
  public static TopicsSettings load() {
    return fromConfig(ConfigFactory.load());
  }

  /** The six topics of a prefix, in data-flow order. */
  public List<TopicSpec> specs(TopicNames names) {
    return List.of(
        samples.spec(names.samples()),
        trainAdversarial.spec(names.trainAdversarial()),
        testCorrupted.spec(names.testCorrupted()),
        snapshots.spec(names.snapshots()),
        reports.spec(names.reports()),
        dlq.spec(names.dlq()));
  }
}
