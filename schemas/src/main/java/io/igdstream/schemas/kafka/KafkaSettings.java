package io.igdstream.schemas.kafka;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * How every igd-stream role talks to Kafka ({@code igd.kafka} in reference.conf): the brokers and
 * the client settings that matter for throughput and large records. Keys and values are raw bytes
 * everywhere, so a record that cannot be decoded reaches the stream (and the dead-letter topic)
 * instead of failing the consumer (docs/STACK.md, "Dead letters").
 *
 * @param bootstrapServers host:port list
 * @param producerBatchBytes producer batch.size (the 16 KiB default sends each image alone)
 * @param producerLinger producer linger.ms
 * @param maxRequestBytes producer max.request.size; must cover the largest record
 * @param commitInterval how often at-least-once stages commit source offsets at most
 * @param sessionTimeout consumer group session.timeout.ms: how soon a dead worker's partitions move
 */
public record KafkaSettings(
    String bootstrapServers,
    int producerBatchBytes,
    Duration producerLinger,
    int maxRequestBytes,
    Duration commitInterval,
    Duration sessionTimeout) {

  public KafkaSettings {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("igd.kafka.bootstrap-servers must not be empty");
    }
    if (producerBatchBytes < 1) {
      throw new IllegalArgumentException(
          "igd.kafka.producer-batch-size must be >= 1 byte, was " + producerBatchBytes);
    }
    if (sessionTimeout.toMillis() < 6000) {
      throw new IllegalArgumentException(
          "igd.kafka.session-timeout must be >= 6 s (the broker's minimum), was " + sessionTimeout);
    }
    if (maxRequestBytes < 1024) {
      throw new IllegalArgumentException(
          "igd.kafka.max-request-size must be >= 1 KiB, was " + maxRequestBytes);
    }
  }

  /** Reads {@code igd.kafka}; errors name the key. */
  public static KafkaSettings fromConfig(Config root) {
    try {
      Config c = root.getConfig("igd.kafka");
      return new KafkaSettings(
          c.getString("bootstrap-servers"),
          (int) c.getBytes("producer-batch-size").longValue(),
          c.getDuration("producer-linger"),
          (int) c.getBytes("max-request-size").longValue(),
          c.getDuration("commit-interval"),
          c.getDuration("session-timeout"));
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  public KafkaSettings withBootstrapServers(String servers) {
    return new KafkaSettings(
        servers,
        producerBatchBytes,
        producerLinger,
        maxRequestBytes,
        commitInterval,
        sessionTimeout);
  }

  /** Properties of a byte[]/byte[] consumer; {@code group} may be null (manual assignment). */
  public Map<String, Object> consumerProperties(String group) {
    Map<String, Object> p = new HashMap<>();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, maxRequestBytes);
    if (group != null) {
      p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
      // A killed worker holds its partitions until its session times out (45 s by default); a
      // restarted or surviving worker gets them back after this long instead.
      p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) sessionTimeout.toMillis());
      p.put(
          ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
          (int) Math.max(1000, sessionTimeout.toMillis() / 3));
    }
    return p;
  }

  /** Properties of an idempotent byte[]/byte[] producer that waits for every replica. */
  public Map<String, Object> producerProperties() {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, producerBatchBytes);
    p.put(ProducerConfig.LINGER_MS_CONFIG, (int) producerLinger.toMillis());
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxRequestBytes);
    return p;
  }

  /** String form of {@link #producerProperties()} for Pekko's ProducerSettings. */
  public Map<String, String> producerStrings() {
    Map<String, String> p = new HashMap<>();
    producerProperties().forEach((k, v) -> p.put(k, String.valueOf(v)));
    p.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
    p.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
    return p;
  }

  /** String form of {@link #consumerProperties} for Pekko's ConsumerSettings. */
  public Map<String, String> consumerStrings(String group) {
    Map<String, String> p = new HashMap<>();
    consumerProperties(group).forEach((k, v) -> p.put(k, String.valueOf(v)));
    p.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
    p.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
    return p;
  }
}
