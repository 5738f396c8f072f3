package io.igdstream.streams.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.igdstream.schemas.TopicNames;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The in-process KRaft broker and topic creation against it (three broker starts, ~15-30 s). */
@Tag("broker")
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class EmbeddedKafkaBrokerTest {

  static final Duration READY = Duration.ofSeconds(30);

  @TempDir static Path sharedDir;
  static EmbeddedKafkaBroker broker;

  @TempDir Path dir;

  @BeforeAll
  static void startBroker() throws IOException {
    long t0 = System.nanoTime();
    broker = EmbeddedKafkaBroker.start(sharedDir.resolve("kafka"), 0);
    report("broker start", t0);
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      long t0 = System.nanoTime();
      broker.close();
      report("broker shutdown", t0);
    }
  }

  @Test
  void listensOnLoopbackOnly() throws IOException {
    assertEquals("127.0.0.1:" + broker.port(), broker.bootstrapServers());
    // Linux: the listening sockets (state 0A) on the broker's port, from IPv4 and IPv6 tables.
    String port = String.format(Locale.ROOT, ":%04X", broker.port());
    List<String> listening = new ArrayList<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path file = Path.of(table);
      if (Files.isReadable(file)) {
        Files.readAllLines(file).stream()
            .map(line -> line.trim().split("\\s+"))
            .filter(f -> f.length > 3 && f[1].endsWith(port) && f[3].equals("0A"))
            .forEach(f -> listening.add(f[1].substring(0, f[1].length() - port.length())));
      }
    }
    assumeTrue(!listening.isEmpty(), "no /proc/net/tcp here");
    // 127.0.0.1 in IPv4 form or IPv4-mapped IPv6 (::ffff:127.0.0.1); never 0.0.0.0 or ::
    for (String address : listening) {
      assertTrue(
          address.equals("0100007F") || address.equals("0000000000000000FFFF00000100007F"),
          address);
    }
  }

  @Test
  void topicTakesRecordsRightAfterEnsureAndGivesThemBack() throws Exception {
    // A few fresh topic sets: the race ensure() closes (KAFKA-15591) hit up to a quarter of tries.
    for (int round = 0; round < 3; round++) {
      TopicNames names = new TopicNames("roundtrip" + round);
      long t0 = System.nanoTime();
      TopicAdmin.ensure(broker.bootstrapServers(), TopicsSettings.load().specs(names), READY);
      report("ensure of 6 fresh topics", t0);

      int partitions = 4;
      List<String> sent = new ArrayList<>();
      try (KafkaProducer<String, String> producer = producer(broker)) {
        for (int p = 0; p < partitions; p++) {
          String value = "sample-" + p;
          RecordMetadata md =
              producer
                  .send(new ProducerRecord<>(names.samples(), p, "id-" + p, value))
                  .get(20, TimeUnit.SECONDS);
          assertEquals(p, md.partition());
          assertEquals(0, md.offset());
          sent.add(value);
        }
      }
      assertEquals(sent, consumeValues(broker, names.samples(), partitions, partitions));
    }
  }

  @Test
  void ensureIsIdempotentAndAppliesTopicConfig() throws Exception {
    TopicNames names = new TopicNames("twice");
    List<TopicSpec> specs = TopicsSettings.load().specs(names);
    TopicAdmin.ensure(broker.bootstrapServers(), specs, READY);
    long t0 = System.nanoTime();
    TopicAdmin.ensure(broker.bootstrapServers(), specs, READY);
    report("ensure of 6 existing topics", t0);

    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      Map<String, TopicDescription> d =
          admin.describeTopics(names.all()).allTopicNames().get(20, TimeUnit.SECONDS);
      for (TopicSpec spec : specs) {
        assertEquals(spec.partitions(), d.get(spec.name()).partitions().size(), spec.name());
      }
      ConfigResource reports = new ConfigResource(ConfigResource.Type.TOPIC, names.reports());
      Config config =
          admin.describeConfigs(List.of(reports)).all().get(20, TimeUnit.SECONDS).get(reports);
      assertEquals("compact", config.get("cleanup.policy").value());
      assertEquals("8388608", config.get("max.message.bytes").value());
    }
  }

  @Test
  void restartOnTheSameDataDirKeepsRecords() throws Exception {
    Path data = dir.resolve("kafka");
    String topic = "kept";
    try (EmbeddedKafkaBroker first = EmbeddedKafkaBroker.start(data, 0)) {
      TopicAdmin.ensure(
          first.bootstrapServers(), List.of(new TopicSpec(topic, 1, Map.of())), READY);
      try (KafkaProducer<String, String> producer = producer(first)) {
        producer
            .send(new ProducerRecord<>(topic, "k", "survives a restart"))
            .get(20, TimeUnit.SECONDS);
      }
    }
    assertTrue(Files.isRegularFile(data.resolve("metadata").resolve("meta.properties")));

    long t0 = System.nanoTime();
    try (EmbeddedKafkaBroker second = EmbeddedKafkaBroker.start(data, 0)) {
      report("broker restart on existing data", t0);
      TopicAdmin.ensure(
          second.bootstrapServers(), List.of(new TopicSpec(topic, 1, Map.of())), READY);
      assertEquals(List.of("survives a restart"), consumeValues(second, topic, 1, 1));
    }
  }

  @Test
  void dataDirectoryInUseIsRefusedAndTheRunningBrokerGoesOn() throws Exception {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> EmbeddedKafkaBroker.start(broker.dataDir(), 0));
    assertEquals(
        "data directory " + broker.dataDir() + " is in use by another broker", e.getMessage());

    String topic = "still-serving";
    TopicAdmin.ensure(broker.bootstrapServers(), List.of(new TopicSpec(topic, 1, Map.of())), READY);
    try (KafkaProducer<String, String> producer = producer(broker)) {
      producer.send(new ProducerRecord<>(topic, "k", "v")).get(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void busyPortIsAClearError() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();

      BindException e =
          assertThrows(
              BindException.class, () -> EmbeddedKafkaBroker.start(dir.resolve("busy"), port));
      assertEquals("127.0.0.1:" + port + " is already in use", e.getMessage());
    }
  }

  @Test
  void foreignNonEmptyDirectoryIsRefused() throws IOException {
    Files.writeString(dir.resolve("notes.txt"), "mine", StandardCharsets.UTF_8);

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> EmbeddedKafkaBroker.start(dir, 0));
    assertTrue(e.getMessage().contains("holds no broker data"), e.getMessage());
  }

  @Test
  void ensureOnAnUnreachableClusterTimesOut() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closedPort = s.getLocalPort();
    }
    var e =
        assertThrows(
            org.apache.kafka.common.errors.TimeoutException.class,
            () ->
                TopicAdmin.ensure(
                    "127.0.0.1:" + closedPort,
                    List.of(new TopicSpec("x", 1, Map.of())),
                    Duration.ofSeconds(2)));
    assertTrue(e.getMessage().startsWith("topics not ready within 2000 ms"), e.getMessage());
  }

  static KafkaProducer<String, String> producer(EmbeddedKafkaBroker b) {
    Map<String, Object> c = new HashMap<>();
    c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers());
    c.put(ProducerConfig.ACKS_CONFIG, "all");
    c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    // A batch lost to the fresh-topic race would otherwise surface only after the 2-minute default.
    c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
    return new KafkaProducer<>(c, new StringSerializer(), new StringSerializer());
  }

  /** Reads {@code count} values from the start of every partition, in partition order. */
  static List<String> consumeValues(
      EmbeddedKafkaBroker b, String topic, int partitions, int count) {
    Map<String, Object> c = new HashMap<>();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers());
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<TopicPartition> tps = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      tps.add(new TopicPartition(topic, p));
    }
    List<ConsumerRecord<String, String>> got = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (got.size() < count && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(got::add);
      }
    }
    return got.stream()
        .sorted(
            (x, y) ->
                x.partition() != y.partition()
                    ? Integer.compare(x.partition(), y.partition())
                    : Long.compare(x.offset(), y.offset()))
        .map(ConsumerRecord::value)
        .toList();
  }

  static void report(String what, long since) {
    System.err.printf(
        Locale.ROOT,
        "TIMING %s: %d ms%n",
        what,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since));
  }
}
