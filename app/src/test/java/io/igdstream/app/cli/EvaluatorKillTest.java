package io.igdstream.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import io.igdstream.core.model.ModelSpec;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.RobustnessReport;
import io.igdstream.schemas.SnapshotInfo;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.Tensors;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.schemas.kafka.SnapshotPublisher;
import io.igdstream.schemas.kafka.TopicScan;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import io.igdstream.streams.kafka.TopicAdmin;
import io.igdstream.streams.kafka.TopicsSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * `igd evaluate --until-final` killed with SIGKILL after its first reports and started again: every
 * snapshot ends with exactly one report record in {@code NS.reports} (none evaluated twice, none
 * missing), because a restarted evaluator reads the reports already there and evaluates only the
 * rest ({@code igd.evaluate.backlog = all}, so none is skipped while one runs). Each life is a
 * child JVM; the second kill lands while the restarted one works through the backlog.
 */
@Tag("broker")
@Tag("slow")
@Timeout(value = 600, unit = TimeUnit.SECONDS)
@Tag("reliability")
class EvaluatorKillTest {

  private static final String MODEL = "igd-student";
  private static final ModelSpec SPEC = new ModelSpec(1, 28, 28, 10);
  private static final int SNAPSHOTS = 8;
  private static final int TEST_IMAGES = 200;
  private static final int KILLS = 2;

  @TempDir Path dir;

  @Test
  void aKilledEvaluatorLeavesExactlyOneReportPerSnapshot() throws Exception {
    Path conf = dir.resolve("evaluate.conf");
    Files.writeString(
        conf,
        String.join(
            "\n",
            "igd.evaluate.every = 1",
            "igd.evaluate.backlog = all",
            "igd.evaluate.test-limit = " + TEST_IMAGES,
            "igd.evaluate.tests = \"clean,pgd,gini,ina\"",
            "igd.evaluate.final-tests = \"clean,pgd,gini,ina\"",
            "igd.evaluate.pgd-steps = 10",
            ""));
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0)) {
      KafkaSettings kafka =
          KafkaSettings.fromConfig(ConfigFactory.load())
              .withBootstrapServers(broker.bootstrapServers());
      TopicNames topics = new TopicNames("evalkill");
      TopicAdmin.ensure(
          kafka.bootstrapServers(),
          TopicsSettings.fromConfig(ConfigFactory.load()).specs(topics),
          Duration.ofSeconds(30));
      produceTestSamples(kafka, topics);
      publishSnapshots(kafka, topics);

      Path out = dir.resolve("report");
      Path log = dir.resolve("evaluate.log");
      List<Integer> killedAfter = new ArrayList<>();
      for (int life = 0; life <= KILLS; life++) {
        Process p = evaluate(broker, topics, conf, out, log);
        if (life < KILLS) {
          int before = reports(kafka, topics).values().stream().mapToInt(List::size).sum();
          int reported =
              awaitReports(kafka, topics, p, before + 2); // two more than the previous life left
          assertTrue(
              p.isAlive(),
              "life " + life + " still evaluating when killed (" + reported + " reports)");
          p.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook runs
          killedAfter.add(reports(kafka, topics).values().stream().mapToInt(List::size).sum());
        } else {
          assertEquals(
              0,
              p.waitFor(),
              "the last life ends at the final snapshot's report: " + Files.readString(log));
        }
      }

      Map<Long, List<RobustnessReport>> byVersion = reports(kafka, topics);
      for (long v = 1; v <= SNAPSHOTS; v++) {
        List<RobustnessReport> records = byVersion.getOrDefault(v, List.of());
        assertEquals(
            1,
            records.size(),
            "report records of snapshot v" + v + " (killed after " + killedAfter + ")");
        assertEquals(v, records.get(0).getSnapshotVersion());
        assertEquals(TEST_IMAGES, records.get(0).getSamples());
      }
      assertEquals(SNAPSHOTS, byVersion.size(), "no report of a version that was never published");
      String text = Files.readString(log);
      assertTrue(
          text.contains("was reported before this start"),
          "a restarted life skipped what was reported:\n" + text);
      assertTrue(Files.exists(out.resolve("report.json")), "--out got the final report's files");
      System.out.println(
          "EvaluatorKillTest: killed evaluate "
              + KILLS
              + " times (after "
              + killedAfter
              + " reports); "
              + SNAPSHOTS
              + "/"
              + SNAPSHOTS
              + " snapshots have exactly one report record each");
    }
  }

  private static Process evaluate(
      EmbeddedKafkaBroker broker, TopicNames topics, Path conf, Path out, Path log)
      throws Exception {
    return ChildIgd.start(
        "1g",
        log,
        List.of(
            "evaluate",
            "--bootstrap-servers",
            broker.bootstrapServers(),
            "--topic-prefix",
            topics.prefix(),
            "--config",
            conf.toString(),
            "--metrics-port",
            "-1",
            "--until-final",
            "--out",
            out.toString()));
  }

  /**
   * Waits until the reports topic holds {@code count} records (or the process died); returns the
   * count.
   */
  private static int awaitReports(KafkaSettings kafka, TopicNames topics, Process p, int count)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
    int n = 0;
    while (System.nanoTime() < deadline && p.isAlive()) {
      n = reports(kafka, topics).values().stream().mapToInt(List::size).sum();
      if (n >= count) {
        return n;
      }
      Thread.sleep(200);
    }
    return n;
  }

  /** Every report record of the model, by version, in offset order. */
  private static Map<Long, List<RobustnessReport>> reports(KafkaSettings kafka, TopicNames topics) {
    AvroCodec<RobustnessReport> codec = AvroCodec.of(RobustnessReport.class);
    Map<Long, List<RobustnessReport>> byVersion = new TreeMap<>();
    TopicScan.scan(
        kafka,
        topics.reports(),
        Duration.ofSeconds(30),
        r -> {
          String key = new String(r.key(), StandardCharsets.UTF_8);
          assertTrue(key.startsWith(MODEL + "/"), "report key " + key);
          RobustnessReport report = codec.decode(r.value());
          assertEquals(key, MODEL + "/" + report.getSnapshotVersion(), "key matches the report");
          byVersion
              .computeIfAbsent(report.getSnapshotVersion(), v -> new ArrayList<>())
              .add(report);
        });
    return byVersion;
  }

  private static void produceTestSamples(KafkaSettings kafka, TopicNames topics) throws Exception {
    AvroCodec<ImageSample> codec = AvroCodec.of(ImageSample.class);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties())) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (int i = 0; i < TEST_IMAGES; i++) {
        String id = String.format("test-%04d", i);
        Random r = new Random(i);
        float[] x = new float[SPEC.imageSize()];
        for (int k = 0; k < x.length; k++) {
          x[k] = r.nextFloat();
        }
        ImageSample s =
            ImageSample.newBuilder()
                .setId(id)
                .setSplit(Split.TEST)
                .setLabel(i % 10)
                .setClasses(10)
                .setImage(Tensors.of(x, 1, 28, 28))
                .setDataset("fixture")
                .build();
        sent.add(
            producer.send(
                new ProducerRecord<>(
                    topics.samples(), id.getBytes(StandardCharsets.UTF_8), codec.encode(s))));
      }
      for (Future<RecordMetadata> f : sent) {
        f.get(30, TimeUnit.SECONDS);
      }
    }
  }

  /** Versions 1..SNAPSHOTS of a small-cnn with different weights; the last one says final=true. */
  private static void publishSnapshots(KafkaSettings kafka, TopicNames topics) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties())) {
      SnapshotPublisher publisher =
          new SnapshotPublisher(producer, topics.snapshots(), MODEL, 256 << 10);
      for (long v = 1; v <= SNAPSHOTS; v++) {
        long seed = v;
        byte[] payload =
            GradientThread.shared()
                .call(
                    () -> {
                      try (Classifier model =
                          Classifier.create(Architecture.of("small-cnn"), SPEC, seed)) {
                        return model.toModelFile(Map.of()).encode();
                      }
                    });
        publisher.publish(
            payload,
            new SnapshotInfo(
                MODEL,
                v,
                "small-cnn",
                1,
                28,
                28,
                10,
                System.currentTimeMillis(),
                Map.of("method", "igd", "final", Boolean.toString(v == SNAPSHOTS))));
      }
      producer.flush();
    }
  }
}
