package io.igdstream.schemas.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads a whole topic once, from the first offset to the end offsets it has when the scan starts,
 * without a consumer group (nothing is committed). The trainer counts the training split this way
 * and the evaluator loads the test split.
 */
public final class TopicScan {

  private static final Duration POLL = Duration.ofMillis(200);

  private TopicScan() {}

  /** Calls {@code visitor} with every record of {@code topic} present when the scan starts. */
  public static long scan(
      KafkaSettings kafka,
      String topic,
      Duration timeout,
      Consumer<ConsumerRecord<byte[], byte[]>> visitor) {
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(kafka.consumerProperties(null))) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
      if (infos == null || infos.isEmpty()) {
        throw new IllegalArgumentException("topic " + topic + " does not exist");
      }
      List<TopicPartition> partitions = new ArrayList<>();
      infos.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions, timeout));
      end.entrySet().removeIf(e -> e.getValue() == 0);
      long seen = 0;
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!end.isEmpty()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "reading " + topic + " took longer than " + timeout.toSeconds() + " s");
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          Long stop = end.get(tp);
          if (stop == null || r.offset() >= stop) {
            continue;
          }
          visitor.accept(r);
          seen++;
          if (r.offset() + 1 >= stop) {
            end.remove(tp);
          }
        }
        // a compacted or deleted tail leaves no record at end-1: stop at the position instead
        for (TopicPartition tp : List.copyOf(end.keySet())) {
          if (consumer.position(tp) >= end.get(tp)) {
            end.remove(tp);
          }
        }
      }
      return seen;
    }
  }
}
