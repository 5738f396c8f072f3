package io.igdstream.schemas.kafka;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigUtil;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.AdminClientConfig;
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
 * @param client any Kafka client property ({@code igd.kafka.client}), passed verbatim to every
 *     producer, consumer and admin client: security, client.id, timeouts, config providers
 * @param producer properties for producers only ({@code igd.kafka.producer}), on top of client
 * @param consumer properties for consumers only ({@code igd.kafka.consumer}), on top of client
 * @param admin properties for admin clients only ({@code igd.kafka.admin}), on top of client
 */
public record KafkaSettings(
    String bootstrapServers,
    int producerBatchBytes,
    Duration producerLinger,
    int maxRequestBytes,
    Duration commitInterval,
    Duration sessionTimeout,
    Map<String, String> client,
    Map<String, String> producer,
    Map<String, String> consumer,
    Map<String, String> admin) {

  /**
   * Properties igd-stream sets itself because its delivery guarantees depend on them (byte[]
   * records so bad ones reach the dead-letter topic; idempotent acks=all producers; offsets
   * committed by the stages, read from the earliest), with the reason a user may not change them.
   */
  public static final Map<String, String> OWNED =
      Map.ofEntries(
          Map.entry(
              "bootstrap.servers", "set igd.kafka.bootstrap-servers (or --bootstrap-servers)"),
          Map.entry("key.serializer", "records are raw bytes so that bad ones reach the DLQ"),
          Map.entry("value.serializer", "records are raw bytes so that bad ones reach the DLQ"),
          Map.entry("key.deserializer", "records are raw bytes so that bad ones reach the DLQ"),
          Map.entry("value.deserializer", "records are raw bytes so that bad ones reach the DLQ"),
          Map.entry("enable.idempotence", "producers must be idempotent (no duplicates on retry)"),
          Map.entry("acks", "producers wait for every replica (acks=all)"),
          Map.entry("enable.auto.commit", "stages commit offsets only after their output is safe"),
          Map.entry("auto.offset.reset", "a new group reads a topic from its beginning"),
          Map.entry("group.id", "each role names its consumer groups itself"),
          Map.entry("isolation.level", "roles read what producers acknowledged"),
          Map.entry("transactional.id", "igd-stream's producers are not transactional"));

  /** Keys whose values are never printed (passwords, keys, JAAS lines, tokens). */
  private static final Pattern SECRET_KEY =
      Pattern.compile("(password|jaas|secret|token|credential|\\.key$|keystore\\.key|private)");

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
    client = checked("client", client);
    producer = checked("producer", producer);
    consumer = checked("consumer", consumer);
    admin = checked("admin", admin);
  }

  /** Settings without client properties (a plaintext broker), e.g. for tests and benchmarks. */
  public KafkaSettings(
      String bootstrapServers,
      int producerBatchBytes,
      Duration producerLinger,
      int maxRequestBytes,
      Duration commitInterval,
      Duration sessionTimeout) {
    this(
        bootstrapServers,
        producerBatchBytes,
        producerLinger,
        maxRequestBytes,
        commitInterval,
        sessionTimeout,
        Map.of(),
        Map.of(),
        Map.of(),
        Map.of());
  }

  private static Map<String, String> checked(String section, Map<String, String> properties) {
    Map<String, String> copy = new TreeMap<>(properties == null ? Map.of() : properties);
    for (String key : copy.keySet()) {
      String reason = OWNED.get(key);
      if (reason != null) {
        throw new IllegalArgumentException(
            "igd.kafka."
                + section
                + "."
                + key
                + " cannot be set: igd-stream owns it ("
                + reason
                + ")");
      }
    }
    return Map.copyOf(copy);
  }

  /** Whether a client property's value is a secret that must never be printed. */
  public static boolean isSecret(String key) {
    return SECRET_KEY.matcher(key.toLowerCase(Locale.ROOT)).find();
  }

  /** The property keys (never values) of every section, for logs: {@code client: [a, b], …}. */
  public String describeClientProperties() {
    return "client: "
        + new TreeMap<>(client).keySet()
        + ", producer: "
        + new TreeMap<>(producer).keySet()
        + ", consumer: "
        + new TreeMap<>(consumer).keySet()
        + ", admin: "
        + new TreeMap<>(admin).keySet();
  }

  /** Never prints a secret: values of secret-looking keys are replaced by {@code [hidden]}. */
  @Override
  public String toString() {
    return "KafkaSettings[bootstrapServers="
        + bootstrapServers
        + ", client="
        + redacted(client)
        + ", producer="
        + redacted(producer)
        + ", consumer="
        + redacted(consumer)
        + ", admin="
        + redacted(admin)
        + "]";
  }

  private static Map<String, String> redacted(Map<String, String> properties) {
    Map<String, String> out = new TreeMap<>();
    properties.forEach((k, v) -> out.put(k, isSecret(k) ? "[hidden]" : v));
    return out;
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
          c.getDuration("session-timeout"),
          properties(c, "client"),
          properties(c, "producer"),
          properties(c, "consumer"),
          properties(c, "admin"));
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * A section of Kafka client properties written as pekko-connectors-kafka's {@code kafka-clients}
   * sections take them: {@code security.protocol = SASL_SSL} (HOCON reads the dots as nesting; the
   * path comes back as the property name). Absent → empty.
   */
  private static Map<String, String> properties(Config kafka, String section) {
    if (!kafka.hasPath(section)) {
      return Map.of();
    }
    Config c = kafka.getConfig(section);
    Map<String, String> out = new TreeMap<>();
    for (var entry : c.entrySet()) {
      String name = String.join(".", ConfigUtil.splitPath(entry.getKey()));
      out.put(name, c.getString(entry.getKey()));
    }
    return out;
  }

  public KafkaSettings withBootstrapServers(String servers) {
    return new KafkaSettings(
        servers,
        producerBatchBytes,
        producerLinger,
        maxRequestBytes,
        commitInterval,
        sessionTimeout,
        client,
        producer,
        consumer,
        admin);
  }

  /** These settings with other client-wide properties (e.g. a role's own credentials). */
  public KafkaSettings withClient(Map<String, String> properties) {
    return new KafkaSettings(
        bootstrapServers,
        producerBatchBytes,
        producerLinger,
        maxRequestBytes,
        commitInterval,
        sessionTimeout,
        properties,
        producer,
        consumer,
        admin);
  }

  /** Properties of an admin client: the brokers, then client, then admin properties. */
  public Map<String, Object> adminProperties() {
    Map<String, Object> p = new HashMap<>();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.putAll(client);
    p.putAll(admin);
    return p;
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
    // the user's client-wide, then consumer properties last: none is an owned key (checked)
    p.putAll(client);
    p.putAll(consumer);
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
    p.putAll(client);
    p.putAll(producer);
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
