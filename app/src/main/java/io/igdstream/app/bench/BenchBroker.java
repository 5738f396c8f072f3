package io.igdstream.app.bench;

import com.typesafe.config.Config;
import io.igdstream.app.console.Log;
import io.igdstream.app.roles.TopicSetup;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import io.igdstream.streams.kafka.GroupOffsets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The in-process broker of the Kafka benchmarks, in a temporary directory that {@link #close}
 * deletes, with what they do with it: create a prefix's topics, fill a topic, read it, count its
 * records.
 */
final class BenchBroker implements AutoCloseable {

  private final Path dir;
  private final EmbeddedKafkaBroker broker;
  private final Config config;
  private final KafkaSettings kafka;
  private final Admin admin;

  private BenchBroker(Path dir, EmbeddedKafkaBroker broker, Config config) {
    this.dir = dir;
    this.broker = broker;
    this.config = config;
    this.kafka = KafkaSettings.fromConfig(config).withBootstrapServers(broker.bootstrapServers());
    this.admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
  }

  /** Starts a broker on a free port; {@code config} supplies the client and topic settings. */
  static BenchBroker start(Config config, Log log) throws IOException {
    Path dir = Files.createTempDirectory("igd-bench-kafka");
    long t0 = System.nanoTime();
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0);
    log.info(
        String.format(
            Locale.ROOT,
            "embedded broker up at %s in %.1f s",
            broker.bootstrapServers(),
            (System.nanoTime() - t0) / 1e9));
    return new BenchBroker(dir, broker, config);
  }

  KafkaSettings kafka() {
    return kafka;
  }

  /** Scratch space next to the broker's data, deleted with it. */
  Path scratch(String name) throws IOException {
    return Files.createDirectories(dir.resolve(name));
  }

  /** The six topics of {@code prefix}, created and ready to take records. */
  TopicNames topics(String prefix) throws InterruptedException {
    TopicNames topics = new TopicNames(prefix);
    TopicSetup.create(kafka, config, topics);
    return topics;
  }

  KafkaProducer<byte[], byte[]> producer() {
    return new KafkaProducer<>(kafka.producerProperties());
  }

  /**
   * Sends (key, value) records to {@code topic} and returns once the broker acknowledged every one.
   */
  void produce(String topic, List<Map.Entry<String, byte[]>> records) {
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
      for (Map.Entry<String, byte[]> r : records) {
        sent.add(
            producer.send(
                new ProducerRecord<>(
                    topic, r.getKey().getBytes(StandardCharsets.UTF_8), r.getValue())));
      }
      producer.flush();
      for (Future<RecordMetadata> f : sent) {
        f.get(
            60,
            TimeUnit
                .SECONDS); // docs/STACK.md: a send can fail silently unless its result is checked
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while producing to " + topic, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("producing to " + topic + " failed: " + e.getMessage(), e);
    }
  }

  /** A consumer of every partition of {@code topic} from its first record (no group). */
  KafkaConsumer<byte[], byte[]> reader(String topic) {
    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(kafka.consumerProperties(null));
    List<TopicPartition> partitions = GroupOffsets.partitions(admin, topic);
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return consumer;
  }

  /** Records on {@code topic}: its end offsets summed over partitions. */
  long records(String topic) {
    return GroupOffsets.endOffsets(admin, topic).values().stream().mapToLong(Long::longValue).sum();
  }

  @Override
  public void close() {
    admin.close();
    broker.close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }
}
