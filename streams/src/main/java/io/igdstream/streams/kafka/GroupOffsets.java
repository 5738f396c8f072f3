package io.igdstream.streams.kafka;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a consumer group stands on a topic, read through the Admin API: latest offsets minus the
 * group's committed offsets. Augment uses it for the trainer's lag (cross-Kafka backpressure) and
 * to see when every partition of an epoch's pass is done; a partition the group never committed
 * counts from offset 0.
 */
public final class GroupOffsets {

  private static final long TIMEOUT_SECONDS = 30;

  private GroupOffsets() {}

  /** The topic's partitions. */
  public static List<TopicPartition> partitions(Admin admin, String topic) {
    TopicDescription d = get(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic);
    return d.partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
  }

  /** Latest (end) offset per partition of the topic. */
  public static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (TopicPartition tp : partitions(admin, topic)) {
      request.put(tp, OffsetSpec.latest());
    }
    Map<TopicPartition, ListOffsetsResultInfo> info = get(admin.listOffsets(request).all());
    Map<TopicPartition, Long> end = new HashMap<>();
    info.forEach((tp, i) -> end.put(tp, i.offset()));
    return end;
  }

  /** The group's committed offset per partition of the topic (0 where it never committed). */
  public static Map<TopicPartition, Long> committed(Admin admin, String group, String topic) {
    Map<TopicPartition, OffsetAndMetadata> all =
        get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
    Map<TopicPartition, Long> committed = new HashMap<>();
    for (TopicPartition tp : partitions(admin, topic)) {
      OffsetAndMetadata o = all.get(tp);
      committed.put(tp, o == null ? 0L : o.offset());
    }
    return committed;
  }

  /** Records of the topic the group has not committed yet, summed over partitions. */
  public static long lag(Admin admin, String group, String topic) {
    Map<TopicPartition, Long> end = endOffsets(admin, topic);
    Map<TopicPartition, Long> committed = committed(admin, group, topic);
    long lag = 0;
    for (var e : end.entrySet()) {
      lag += Math.max(0, e.getValue() - committed.getOrDefault(e.getKey(), 0L));
    }
    return lag;
  }

  /** Whether the group has committed up to {@code end} on every partition of it. */
  public static boolean reached(
      Admin admin, String group, String topic, Map<TopicPartition, Long> end) {
    Map<TopicPartition, Long> committed = committed(admin, group, topic);
    for (var e : end.entrySet()) {
      if (committed.getOrDefault(e.getKey(), 0L) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private static <T> T get(org.apache.kafka.common.KafkaFuture<T> future) {
    try {
      return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking the broker", e);
    } catch (ExecutionException e) {
      throw new KafkaUnavailableException(
          "broker request failed: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new KafkaUnavailableException(
          "broker did not answer within " + TIMEOUT_SECONDS + " s", e);
    }
  }
}
