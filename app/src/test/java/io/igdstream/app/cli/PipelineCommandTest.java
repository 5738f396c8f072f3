package io.igdstream.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.igdstream.schemas.AdversarialSample;
import io.igdstream.schemas.AssembledSnapshot;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.RecordDecodingException;
import io.igdstream.schemas.RobustnessReport;
import io.igdstream.schemas.SnapshotAssembler;
import io.igdstream.schemas.SnapshotChunk;
import io.igdstream.schemas.SnapshotHeader;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.schemas.kafka.TopicScan;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import io.igdstream.streams.kafka.GroupOffsets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code igd pipeline} end to end on the Fashion-MNIST fixture with a tiny configuration: embedded
 * broker, ingest, teacher, corrupt, augment, trainer, evaluator and metrics in one JVM; afterwards
 * the broker is started again on the run's data directory to check what the topics hold.
 */
@Tag("broker")
@Tag("slow")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 600, unit = TimeUnit.SECONDS)
@Tag("reliability")
class PipelineCommandTest {

  private static final int TRAIN = 192;
  private static final int TEST = 100;
  private static final int EPOCHS = 2;

  @TempDir static Path dir;
  static Path out;
  static Cli.Result first;
  static Set<String> threadsAfter;

  static String[] args() {
    return new String[] {
      "pipeline",
      "--dataset",
      BadInputTest.idxFixture(),
      "--train-limit",
      Integer.toString(TRAIN),
      "--test-limit",
      Integer.toString(TEST),
      "--epochs",
      Integer.toString(EPOCHS),
      "--teacher-epochs",
      "1",
      "--evaluate-every",
      "2",
      "--metrics-port",
      "0",
      "--progress-every",
      "2",
      "--config",
      dir.resolve("tiny.conf").toString(),
      "--out",
      out.toString()
    };
  }

  @BeforeAll
  static void runOnce() throws Exception {
    BadInputTest.fixtureExists();
    out = dir.resolve("run");
    Files.writeString(
        dir.resolve("tiny.conf"),
        String.join(
            "\n",
            "igd.train.batch-size = 32",
            "igd.augment.batch-size = 32",
            "igd.augment.max-lag = 96",
            "igd.attack.train-steps = 3",
            "igd.trainer.snapshot-every = 2",
            "igd.trainer.checkpoint-every = 3",
            "igd.evaluate.final-tests = \"clean,pgd,gini,corruptions\"",
            "igd.corrupt.corruptions = [gaussian_noise, contrast]",
            "igd.corrupt.severities = [1, 5]",
            ""));
    first = Cli.run(args());
    threadsAfter = liveThreadNames();
  }

  @Test
  void finishesWithTheReportFilesAndTheFinalLine() throws Exception {
    assertEquals(0, first.exitCode(), first.toString());
    assertTrue(first.out().contains("pipeline: teacher (nat)"), first.out());
    assertTrue(first.out().contains("pipeline: igd-student (igd)"), first.out());
    for (String f : List.of("report.json", "report.md", "metrics.prom")) {
      assertTrue(Files.isRegularFile(out.resolve("report").resolve(f)), f);
    }
    JsonNode report = new ObjectMapper().readTree(out.resolve("report/report.json").toFile());
    assertEquals(TEST, report.get("samples").asInt(), report.toString());
    assertEquals(2, report.get("models").size(), "teacher and student side by side");
    // igd.evaluate.autoattack defaults: apgd on every evaluated test image, beside PGD-20
    for (JsonNode m : report.get("models")) {
      double pgd = m.get("pgd20_accuracy").asDouble();
      double aa = m.get("autoattack_accuracy").asDouble();
      assertTrue(aa <= m.get("clean_accuracy").asDouble(), m.toString());
      assertTrue(m.get("apgd_ce_accuracy").asDouble() >= aa, m.toString());
      assertTrue(m.get("fab_t_accuracy").isNull(), "apgd runs no fab-t: " + m);
      assertTrue(pgd >= 0 && aa >= 0, m.toString());
    }
    assertTrue(
        first.out().contains("autoattack apgd (linf, eps 0.1, " + TEST + " images)"), first.out());
    assertTrue(
        Files.readString(out.resolve("report/report.md")).toLowerCase().contains("autoattack"));
    assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
    assertTrue(Files.isRegularFile(out.resolve("teacher/model.safetensors")));
  }

  @Test
  void theMetricsEndpointServedTheIgdMetrics() throws Exception {
    String metrics = Files.readString(out.resolve("report/metrics.prom"));
    for (String name :
        List.of(
            "igd_trainer_steps_total",
            "igd_records_produced_total{stage=\"augment\"}",
            "igd_records_produced_total{stage=\"corrupt\"}",
            "igd_trainer_staleness_versions_bucket",
            "igd_eval_clean_accuracy_ratio",
            "igd_consumer_lag_records",
            "jvm_memory_used_bytes")) {
      assertTrue(metrics.contains(name), "metrics lack " + name);
    }
  }

  @Test
  void noStageIsLeftRunning() {
    for (String name : threadsAfter) {
      assertTrue(
          !name.startsWith("igd-augment")
              && !name.startsWith("igd-trainer")
              && !name.startsWith("igd-snapshot")
              && !name.startsWith("igd-lag")
              && !name.startsWith("igd-pekko")
              && !name.startsWith("kafka-")
              && !name.startsWith("broker-")
              && !name.contains("raft"),
          "left running: " + name);
    }
  }

  @Test
  void theTopicsHoldEveryEpochEverySnapshotAndOneReportPerVersion() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(out.resolve("kafka"), 0)) {
      assertTopicsComplete(broker.bootstrapServers(), TRAIN, EPOCHS, 32, 2);
    }
  }

  /**
   * What a finished tiny pipeline leaves in the topics of prefix {@code igd}: every training sample
   * in every epoch of NS.train.adversarial, the final snapshot reassembling with a verified hash,
   * one report per evaluated version (the final one among them) and the trainer's group at the end.
   *
   * @return the number of duplicate adversarial records (at-least-once delivery)
   */
  static long assertTopicsComplete(
      String bootstrapServers, int train, int epochs, int batch, int snapshotEvery)
      throws Exception {
    KafkaSettings kafka =
        KafkaSettings.fromConfig(ConfigFactory.load()).withBootstrapServers(bootstrapServers);
    TopicNames topics = new TopicNames("igd");
    AvroCodec<AdversarialSample> adversarial = AvroCodec.of(AdversarialSample.class);
    Map<Integer, Set<String>> ids = new HashMap<>();
    long[] records = {0};
    TopicScan.scan(
        kafka,
        topics.trainAdversarial(),
        Duration.ofMinutes(1),
        r -> {
          AdversarialSample a = adversarial.decode(r.value());
          ids.computeIfAbsent(a.getEpoch(), e -> new HashSet<>()).add(a.getSampleId().toString());
          records[0]++;
        });
    for (int e = 0; e < epochs; e++) {
      assertEquals(train, ids.get(e).size(), "every training sample in epoch " + e);
    }
    long duplicates = records[0] - (long) train * epochs;
    System.out.printf(
        "pipeline test: %d adversarial records for %d (sample, epoch) pairs: %d duplicates%n",
        records[0], train * epochs, duplicates);

    SnapshotAssembler assembler = new SnapshotAssembler("igd-student");
    AvroCodec<SnapshotHeader> headers = AvroCodec.of(SnapshotHeader.class);
    AvroCodec<SnapshotChunk> chunks = AvroCodec.of(SnapshotChunk.class);
    long[] newest = {-1};
    long[] rejected = {0};
    TopicScan.scan(
        kafka,
        topics.snapshots(),
        Duration.ofMinutes(1),
        r -> {
          String type = AvroCodec.typeOf(r.value()).orElseThrow();
          try {
            Optional<AssembledSnapshot> done =
                type.endsWith("SnapshotHeader")
                    ? assembler.accept(headers.decode(r.value()))
                    : assembler.accept(chunks.decode(r.value()));
            done.ifPresent(s -> newest[0] = s.header().getVersion());
          } catch (RecordDecodingException e) {
            // as the followers do (they dead-letter it): a killed trainer's half-published version
            // that
            // its resumed life publishes again with other weights conflicts with the first chunks
            rejected[0]++;
          }
        });
    if (rejected[0] > 0) {
      System.out.println(
          "pipeline test: "
              + rejected[0]
              + " snapshot records conflicted with an earlier publication of their version");
    }
    long steps = (long) Math.ceil(train * epochs / (double) batch);
    assertEquals(
        (steps + snapshotEvery - 1) / snapshotEvery,
        newest[0],
        "the final snapshot reassembles with a verified hash");

    Map<String, Integer> reports = new HashMap<>();
    AvroCodec<RobustnessReport> codec = AvroCodec.of(RobustnessReport.class);
    TopicScan.scan(
        kafka,
        topics.reports(),
        Duration.ofMinutes(1),
        r -> {
          RobustnessReport rr = codec.decode(r.value());
          String key = new String(r.key(), StandardCharsets.UTF_8);
          assertEquals(rr.getModelId() + "/" + rr.getSnapshotVersion(), key);
          reports.merge(key, 1, Integer::sum);
        });
    assertTrue(reports.containsKey("igd-student/" + newest[0]), reports.toString());
    reports.forEach((k, n) -> assertEquals(1, n, "one report per version: " + k));

    try (Admin admin =
        Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrapServers))) {
      assertTrue(
          GroupOffsets.reached(
              admin,
              "igd.trainer",
              topics.trainAdversarial(),
              GroupOffsets.endOffsets(admin, topics.trainAdversarial())),
          "the trainer consumed everything");
    }
    return duplicates;
  }

  @Test
  @Order(Integer.MAX_VALUE) // after the topic checks, which expect the first run's topics
  void rerunningTheSameCommandResumesInsteadOfStartingOver() throws Exception {
    long samplesBefore = countSamples();
    Cli.Result again = Cli.run(args());

    assertEquals(0, again.exitCode(), again.toString());
    assertTrue(
        again.err().contains(": 0 written, " + (TRAIN + TEST) + " already there"),
        "ingest adds nothing twice");
    assertTrue(again.err().contains("teacher: using"), "the teacher is not trained again");
    assertTrue(again.err().contains("trainer done"), again.err());
    assertTrue(
        again.err().contains("(final) was reported before this start"),
        "the final report is not made twice");
    assertEquals(samplesBefore, countSamples());
  }

  private static long countSamples() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(out.resolve("kafka"), 0)) {
      KafkaSettings kafka =
          KafkaSettings.fromConfig(ConfigFactory.load())
              .withBootstrapServers(broker.bootstrapServers());
      return TopicScan.scan(kafka, new TopicNames("igd").samples(), Duration.ofMinutes(1), r -> {});
    }
  }

  private static Set<String> liveThreadNames() {
    Set<String> names = new HashSet<>();
    Thread.getAllStackTraces()
        .keySet()
        .forEach(
            t -> {
              if (t.isAlive()) {
                names.add(t.getName());
              }
            });
    return names;
  }
}
