package io.igdstream.streams.corrupt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.CorruptedSample;
import io.igdstream.schemas.DeadLetter;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.ReasonCode;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.Tensors;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.Validators;
import io.igdstream.schemas.kafka.DeadLetterRecords;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import io.igdstream.streams.kafka.GroupOffsets;
import io.igdstream.streams.kafka.TopicAdmin;
import io.igdstream.streams.kafka.TopicsSettings;
import io.igdstream.streams.metrics.StreamMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.kafka.javadsl.Consumer;
import org.apache.pekko.stream.testkit.javadsl.StreamTestKit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The corrupt stage against the in-process broker: test samples become every corruption × severity,
 * training samples nothing, bad records dead letters, and the group's offsets reach the end of
 * {@code {ns}.samples} only once all of that is in Kafka. Training samples between test samples on
 * a partition are what broke {@code Producer.committableSink} (see {@link CorruptStage}): the group
 * then stopped one offset short of the end.
 */
@Tag("broker")
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class CorruptStageTest {

  static final int TEST_SAMPLES = 30;
  static final int TRAIN_SAMPLES = 10;
  static final int CLASSES = 10;
  static final Duration WAIT = Duration.ofSeconds(90);
  static final AvroCodec<ImageSample> SAMPLES = AvroCodec.of(ImageSample.class);
  static final AvroCodec<CorruptedSample> CORRUPTED = AvroCodec.of(CorruptedSample.class);

  @TempDir Path dir;

  @Test
  void corruptsTestSamplesSkipsTrainingSamplesAndDeadLettersBadRecords() throws Exception {
    Config config =
        ConfigFactory.parseString(
                "igd.corrupt { corruptions = [gaussian_noise, contrast], severities = [1, 5], parallelism = 2 }")
            .withFallback(ConfigFactory.load());
    CorruptSettings settings = CorruptSettings.fromConfig(config);
    TopicNames topics = new TopicNames("corrupt-stage-test");
    String group = topics.prefix() + "." + settings.group();

    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0);
        Admin admin =
            Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      TopicAdmin.ensure(
          admin, TopicsSettings.fromConfig(config).specs(topics), Duration.ofSeconds(30));
      Map<String, Integer> testLabels = produceSamples(broker.bootstrapServers(), topics.samples());
      Map<TopicPartition, Long> end = GroupOffsets.endOffsets(admin, topics.samples());

      KafkaSettings kafka =
          KafkaSettings.fromConfig(config).withBootstrapServers(broker.bootstrapServers());
      StreamMetrics metrics = new StreamMetrics(new PrometheusRegistry());
      ActorSystem system = ActorSystem.create("corrupt-stage-test", config);
      try {
        long start = System.nanoTime();
        Consumer.DrainingControl<Done> control =
            CorruptStage.run(system, kafka, topics, settings, metrics);
        awaitCommitted(admin, group, topics.samples(), end, control);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.err.printf(
            "CorruptStageTest: %d records consumed, %d produced, group committed to the end in %.2f s (incl. group join)%n",
            metrics.consumed(CorruptStage.STAGE), metrics.produced(CorruptStage.STAGE), seconds);

        List<ConsumerRecord<byte[], byte[]>> corrupted =
            readAll(broker.bootstrapServers(), topics.testCorrupted());
        assertEquals(TEST_SAMPLES * settings.outputsPerImage(), corrupted.size());
        Set<String> keys = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : corrupted) {
          CorruptedSample sample = CORRUPTED.decode(r.value());
          String key = new String(r.key(), StandardCharsets.UTF_8);
          assertEquals(
              sample.getSourceId() + "/" + sample.getCorruption() + "/" + sample.getSeverity(),
              key);
          assertEquals(testLabels.get(sample.getSourceId()), sample.getLabel(), key);
          Validators.validate(sample, 1, 28, 28); // pixels in [0, 1], known name, severity in 1..5
          keys.add(key);
        }
        Set<String> expected = new HashSet<>();
        for (String id : testLabels.keySet()) {
          for (String corruption : settings.corruptions()) {
            for (int severity : settings.severities()) {
              expected.add(id + "/" + corruption + "/" + severity);
            }
          }
        }
        assertEquals(expected, keys);

        List<ReasonCode> reasons = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(broker.bootstrapServers(), topics.dlq())) {
          DeadLetter letter = DeadLetterRecords.decode(r.value());
          assertEquals(topics.samples(), letter.getSourceTopic());
          reasons.add(letter.getReasonCode());
        }
        reasons.sort(null);
        assertEquals(
            List.of(ReasonCode.UNDECODABLE, ReasonCode.NON_FINITE, ReasonCode.LABEL_OUT_OF_RANGE),
            reasons);

        assertEquals(TEST_SAMPLES + TRAIN_SAMPLES + 3, metrics.consumed(CorruptStage.STAGE));
        assertEquals(corrupted.size(), metrics.produced(CorruptStage.STAGE));
        assertEquals(3, metrics.deadLetters(CorruptStage.STAGE));

        control
            .drainAndShutdown(system.dispatcher())
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
        StreamTestKit.assertAllStagesStopped(system);
        assertEquals(0, GroupOffsets.lag(admin, group, topics.samples()));
      } finally {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * 30 test and 10 training samples (1×28×28 random pixels) and three bad records: random bytes, a
   * NaN pixel, a label out of range. Every send is checked. Returns the test samples' labels by id.
   */
  static Map<String, Integer> produceSamples(String bootstrap, String topic) throws Exception {
    SplittableRandom random = new SplittableRandom(42);
    Map<String, Integer> testLabels = new HashMap<>();
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < TEST_SAMPLES + TRAIN_SAMPLES; i++) {
      boolean test = i % 4 != 3; // interleaved: every fourth of the first 40 is a training sample
      String id = (test ? "test-" : "train-") + i;
      ImageSample sample =
          sample(id, test ? Split.TEST : Split.TRAIN, random.nextInt(CLASSES), random);
      if (test) {
        testLabels.put(id, sample.getLabel());
      }
      records.add(record(topic, id, SAMPLES.encode(sample)));
    }
    assertEquals(TEST_SAMPLES, testLabels.size());
    byte[] garbage = new byte[200];
    random.nextBytes(garbage);
    garbage[0] = 0x42; // not the single-object marker 0xC3 0x01
    records.add(record(topic, "bad-garbage", garbage));
    ImageSample nan = sample("bad-nan", Split.TEST, 1, random);
    float[] pixels = Tensors.floats(nan.getImage());
    pixels[100] = Float.NaN;
    nan.setImage(Tensors.of(pixels, 1, 28, 28));
    records.add(record(topic, "bad-nan", SAMPLES.encode(nan)));
    ImageSample label = sample("bad-label", Split.TEST, CLASSES, random);
    records.add(record(topic, "bad-label", SAMPLES.encode(label)));

    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.<String, Object>of("bootstrap.servers", bootstrap, "acks", "all"),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      List<Future<RecordMetadata>> sends = new ArrayList<>();
      for (ProducerRecord<byte[], byte[]> r : records) {
        sends.add(producer.send(r));
      }
      for (Future<RecordMetadata> send : sends) {
        send.get(
            30,
            TimeUnit.SECONDS); // a lost send would make the test wait for records that never come
      }
    }
    return testLabels;
  }

  static ImageSample sample(String id, Split split, int label, SplittableRandom random) {
    float[] pixels = new float[28 * 28];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) random.nextDouble();
    }
    return ImageSample.newBuilder()
        .setId(id)
        .setSplit(split)
        .setLabel(label)
        .setClasses(CLASSES)
        .setImage(Tensors.of(pixels, 1, 28, 28))
        .setDataset("test")
        .build();
  }

  static ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
    return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
  }

  /**
   * Waits until the group has committed {@code end}; fails at once with the cause if the stream
   * fails.
   */
  static void awaitCommitted(
      Admin admin,
      String group,
      String topic,
      Map<TopicPartition, Long> end,
      Consumer.DrainingControl<Done> control)
      throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    CompletableFuture<Done> stream = control.streamCompletion().toCompletableFuture();
    while (!GroupOffsets.reached(admin, group, topic, end)) {
      if (stream.isDone()) {
        stream.get(); // throws the stream's failure
        throw new AssertionError("the stream completed before the group committed " + end);
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "group "
                + group
                + " did not commit to "
                + end
                + " within "
                + WAIT
                + ": "
                + GroupOffsets.committed(admin, group, topic));
      }
      Thread.sleep(100);
    }
  }

  /** Every record of every partition of {@code topic}, from the beginning to the current end. */
  static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
    List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.<String, Object>of("bootstrap.servers", bootstrap),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        assertTrue(System.nanoTime() < deadline, "could not read " + topic + " to " + end);
        consumer.poll(Duration.ofMillis(200)).forEach(all::add);
      }
    }
    return all;
  }
}
