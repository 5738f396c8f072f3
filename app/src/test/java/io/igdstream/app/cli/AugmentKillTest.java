package io.igdstream.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.igdstream.core.io.CheckpointDirectory;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import io.igdstream.core.model.ModelSpec;
import io.igdstream.core.train.TrainSettings;
import io.igdstream.schemas.AdversarialSample;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.SnapshotInfo;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.Tensors;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.schemas.kafka.SnapshotPublisher;
import io.igdstream.schemas.kafka.TopicScan;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import io.igdstream.streams.kafka.GroupOffsets;
import io.igdstream.streams.kafka.TopicAdmin;
import io.igdstream.streams.kafka.TopicsSettings;
import io.igdstream.trainer.KafkaTrainer;
import io.igdstream.trainer.TrainerMetrics;
import io.igdstream.trainer.TrainerSettings;
import io.igdstream.trainer.TrainingSplit;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * `igd augment` killed with SIGKILL at three random points while it produces, and restarted each
 * time, still delivers every (sample id, epoch) of the training split to {@code
 * {ns}.train.adversarial} (at-least-once: what was produced but not yet committed is made again),
 * and the Kafka-fed trainer on that topic trains each pair exactly once, dropping exactly the
 * repeats. Each augment life is a child JVM; the trainer runs in this one.
 */
@Tag("broker")
@Tag("slow")
@Timeout(value = 420, unit = TimeUnit.SECONDS)
@Tag("reliability")
class AugmentKillTest {

  private static final int SAMPLES = 240;
  private static final int TEST_SAMPLES = 10;
  private static final int EPOCHS = 2;
  private static final int KILLS = 3;
  private static final int[] SHAPE = {1, 28, 28};
  private static final ModelSpec SPEC = new ModelSpec(1, 28, 28, 10);
  private static final Duration READY = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void augmentKilledThreeTimesDeliversEveryPairAndTheTrainerDropsTheRepeats() throws Exception {
    Path conf = dir.resolve("tiny.conf");
    // one partition of train.adversarial: the trainer reads the records in the order augment made
    // them, so it reads every repeat before the last new pair ends its run
    Files.writeString(
        conf,
        String.join(
            "\n",
            "igd.train.epochs = " + EPOCHS,
            "igd.train.batch-size = 16",
            "igd.train.seed = 7",
            "igd.attack.train-steps = 2",
            "igd.augment.batch-size = 16",
            "igd.trainer.snapshot-every = 1000",
            "igd.trainer.checkpoint-every = 1000",
            "igd.trainer.poll-timeout = 50 ms",
            "igd.topics.train-adversarial.partitions = 1",
            ""));
    Config config = ConfigFactory.parseFile(conf.toFile()).withFallback(ConfigFactory.load());
    Path teacher = dir.resolve("teacher.safetensors");
    GradientThread.shared()
        .call(
            () -> {
              try (Classifier t = Classifier.create(Architecture.SMALL_CNN, SPEC, 1)) {
                t.toModelFile(Map.of()).write(teacher);
              }
              return null;
            });
    long total = (long) SAMPLES * EPOCHS;

    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0);
        Admin admin =
            Admin.create(Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers()))) {
      KafkaSettings kafka =
          KafkaSettings.fromConfig(config).withBootstrapServers(broker.bootstrapServers());
      TopicNames topics = new TopicNames("augkill");
      TopicAdmin.ensure(
          kafka.bootstrapServers(), TopicsSettings.fromConfig(config).specs(topics), READY);
      produceSamples(kafka, topics.samples());
      publishFirstSnapshot(kafka, topics, config.getString("igd.trainer.model-id"));

      Path log = dir.resolve("augment.log");
      List<Long> killedAt = killAndRestart(admin, broker, topics, conf, teacher, log);
      assertTrue(read(log).contains("all epochs done"), () -> read(log));

      // at-least-once: every pair at least once, nothing else
      Map<String, Integer> counts = new LinkedHashMap<>();
      List<String> order = new ArrayList<>();
      AvroCodec<AdversarialSample> codec = AvroCodec.of(AdversarialSample.class);
      TopicScan.scan(
          kafka,
          topics.trainAdversarial(),
          READY,
          r -> {
            AdversarialSample a = codec.decode(r.value());
            String pair = a.getSampleId() + "@" + a.getEpoch();
            counts.merge(pair, 1, Integer::sum);
            order.add(pair);
          });
      Set<String> expected = new HashSet<>();
      for (int i = 0; i < SAMPLES; i++) {
        for (int e = 0; e < EPOCHS; e++) {
          expected.add(id(i) + "@" + e);
        }
      }
      Set<String> unknown = new HashSet<>(counts.keySet());
      unknown.removeAll(expected);
      assertEquals(Set.of(), unknown, "pairs of no training sample or epoch");
      Set<String> missing = new HashSet<>(expected);
      missing.removeAll(counts.keySet());
      assertEquals(Set.of(), missing, "pairs never delivered");
      assertEquals(total, counts.size(), "distinct pairs");
      long duplicates = order.size() - counts.size();
      System.out.println(
          "AugmentKillTest: "
              + order.size()
              + " records, "
              + duplicates
              + " duplicates: "
              + counts.entrySet().stream()
                  .filter(c -> c.getValue() > 1)
                  .map(c -> c.getKey() + "x" + c.getValue())
                  .toList());
      // the trainer stops at the last new pair; a repeat after it would never be read
      Set<String> firsts = new HashSet<>();
      int lastNew = 0;
      for (int k = 0; k < order.size(); k++) {
        if (firsts.add(order.get(k))) {
          lastNew = k;
        }
      }
      assertEquals(order.size() - 1, lastNew, "no repeat after the last new pair");

      // the trainer on that topic trains each pair once and drops the repeats
      TrainerSettings trainerSettings = TrainerSettings.fromConfig(config);
      TrainingSplit split = TrainingSplit.read(kafka, topics.samples(), READY);
      assertEquals(SAMPLES, split.samples());
      KafkaTrainer trainer =
          new KafkaTrainer(
              trainerSettings,
              TrainSettings.fromConfig(config),
              kafka,
              topics,
              Architecture.SMALL_CNN,
              split,
              new CheckpointDirectory(dir.resolve("trainer"), trainerSettings.keepCheckpoints()),
              new TrainerMetrics(new PrometheusRegistry()),
              new KafkaTrainer.Listener() {});
      Classifier student = trainer.run();
      GradientThread.shared()
          .call(
              () -> {
                student.close();
                return null;
              });
      KafkaTrainer.Result result = trainer.result();
      assertTrue(trainer.done(), "the trainer finished every epoch");
      assertEquals(total, result.trained(), "each pair trained once");
      assertEquals(duplicates, result.duplicates(), "each repeat dropped");
      assertEquals(0, result.deadLetters());
      System.out.printf(
          "AugmentKillTest: killed augment %d times (at %s records); %d×%d pairs all delivered, %d duplicates, "
              + "trainer trained %d×%d once each and dropped %d%n",
          KILLS,
          String.join(", ", killedAt.stream().map(String::valueOf).toList()),
          SAMPLES,
          EPOCHS,
          duplicates,
          SAMPLES,
          EPOCHS,
          result.duplicates());
    }
  }

  /**
   * Runs augment KILLS + 1 times: life k is killed with SIGKILL once the topic holds a random
   * number of records in [10 + 22.5k, 25 + 22.5k] % of samples × epochs (so the last life still
   * makes a good part of epoch 1 afresh, after every repeat); the last life runs to its end.
   * Returns the records on the topic after each kill.
   */
  private static List<Long> killAndRestart(
      Admin admin, EmbeddedKafkaBroker broker, TopicNames topics, Path conf, Path teacher, Path log)
      throws Exception {
    long total = (long) SAMPLES * EPOCHS;
    Random random = new Random(20261126);
    List<Long> killedAt = new ArrayList<>();
    Process p = null;
    try {
      for (int life = 0; life <= KILLS; life++) {
        p = augment(broker, topics, conf, teacher, log);
        if (life < KILLS) {
          int l = life;
          long from = total * (40 + 90L * life) / 400;
          long at =
              Math.max(
                  from + random.nextInt((int) (total * 15 / 100)), produced(admin, topics) + 8);
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
          while (produced(admin, topics) < at) {
            assertTrue(p.isAlive(), () -> "life " + l + " died by itself:\n" + read(log));
            assertTrue(
                System.nanoTime() < deadline,
                () -> "life " + l + " made no progress to " + at + " records:\n" + read(log));
            Thread.sleep(20);
          }
          p.destroyForcibly().waitFor(); // SIGKILL on Linux: no shutdown hook drains or commits
          killedAt.add(produced(admin, topics));
        } else {
          assertTrue(
              p.waitFor(180, TimeUnit.SECONDS), () -> "the last life finishes:\n" + read(log));
          assertEquals(0, p.exitValue(), () -> "the last life exits 0:\n" + read(log));
        }
      }
    } finally {
      if (p != null) {
        p.destroyForcibly(); // a failed assertion leaves no augment running
      }
    }
    return killedAt;
  }

  private static Process augment(
      EmbeddedKafkaBroker broker, TopicNames topics, Path conf, Path teacher, Path log)
      throws Exception {
    return ChildIgd.start(
        "1g",
        log,
        List.of(
            "augment",
            "--bootstrap-servers",
            broker.bootstrapServers(),
            "--topic-prefix",
            topics.prefix(),
            "--teacher",
            teacher.toString(),
            "--epochs",
            Integer.toString(EPOCHS),
            "--max-lag",
            "1000000",
            "--config",
            conf.toString(),
            "--metrics-port",
            "-1"));
  }

  /** Records on {ns}.train.adversarial now. */
  private static long produced(Admin admin, TopicNames topics) {
    return GroupOffsets.endOffsets(admin, topics.trainAdversarial()).values().stream()
        .mapToLong(Long::longValue)
        .sum();
  }

  /** The training split and a few test samples (which augment commits without output). */
  private static void produceSamples(KafkaSettings kafka, String topic) throws Exception {
    AvroCodec<ImageSample> codec = AvroCodec.of(ImageSample.class);
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.producerProperties())) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (int i = 0; i < SAMPLES + TEST_SAMPLES; i++) {
        boolean train = i < SAMPLES;
        Random r = new Random(i);
        float[] x = new float[28 * 28];
        for (int k = 0; k < x.length; k++) {
          x[k] = r.nextFloat();
        }
        String id = train ? id(i) : "test-" + i;
        ImageSample s =
            ImageSample.newBuilder()
                .setId(id)
                .setSplit(train ? Split.TRAIN : Split.TEST)
                .setLabel(r.nextInt(10))
                .setClasses(10)
                .setImage(Tensors.of(x, SHAPE))
                .setDataset("fixture")
                .build();
        sent.add(
            p.send(
                new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), codec.encode(s))));
      }
      for (Future<RecordMetadata> f : sent) {
        f.get(30, TimeUnit.SECONDS);
      }
    }
  }

  /** Student snapshot v0 (random weights), which augment waits for. */
  private static void publishFirstSnapshot(KafkaSettings kafka, TopicNames topics, String modelId) {
    byte[] payload =
        GradientThread.shared()
            .call(
                () -> {
                  try (Classifier student = Classifier.create(Architecture.SMALL_CNN, SPEC, 2)) {
                    return student.toModelFile(Map.of()).encode();
                  }
                });
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.producerProperties())) {
      new SnapshotPublisher(p, topics.snapshots(), modelId, 64 << 10)
          .publish(
              payload,
              new SnapshotInfo(
                  modelId, 0, "small-cnn", 1, 28, 28, 10, System.currentTimeMillis(), Map.of()));
    }
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (java.io.IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static String id(int i) {
    return String.format("train-%06d", i);
  }
}
