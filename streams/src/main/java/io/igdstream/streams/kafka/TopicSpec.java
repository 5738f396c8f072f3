package io.igdstream.streams.kafka;

import java.util.Map;

/**
 * A topic to create: its name, partition count and topic-level configuration (Kafka's own keys,
 * such as {@code max.message.bytes}, {@code retention.ms}, {@code cleanup.policy}). The replication
 * factor is left to the cluster's {@code default.replication.factor} (1 on the embedded broker).
 */
public record TopicSpec(String name, int partitions, Map<String, String> config) {

  public TopicSpec {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("topic name must not be empty");
    }
    if (partitions < 1) {
      throw new IllegalArgumentException(
          "partitions of " + name + " must be >= 1, was " + partitions);
    }
    config = Map.copyOf(config);
  }
}
