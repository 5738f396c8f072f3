package io.igdstream.streams.corrupt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.CorruptedSample;
import io.igdstream.schemas.DeadLetter;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.DeadLetterRecords;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.schemas.kafka.TopicScan;
import io.igdstream.streams.StreamFixtures;
import io.igdstream.streams.kafka.AccessTable;
import io.igdstream.streams.kafka.AccessTable.Role;
import io.igdstream.streams.kafka.GroupOffsets;
import io.igdstream.streams.kafka.SecuredKafkaBroker;
import io.igdstream.streams.kafka.TopicAdmin;
import io.igdstream.streams.kafka.TopicsSettings;
import io.igdstream.streams.metrics.StreamMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.kafka.javadsl.Consumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Ingest, corrupt and evaluate's reads on a SASL_SSL broker with the access table's ACLs, each as
 * its own user (KafkaSettings.withClient), the corrupt stage being the Pekko one: every test sample
 * becomes its corruptions, a bad record a dead letter written as corrupt, the group commits to the
 * end. Then a secrets grep over everything the run logged and printed and the metrics: no password
 * of any user appears.
 */
@Tag("broker")
@Tag("slow")
@Tag("security")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SecuredCorruptFlowTest {

  private static final int TEST_SAMPLES = 12;
  private static final AvroCodec<CorruptedSample> CORRUPTED = AvroCodec.of(CorruptedSample.class);

  @TempDir Path dir;

  @Test
  void rolesRunAsTheirOwnUsersAndNoSecretIsPrinted() throws Exception {
    StringBuilder captured = new StringBuilder();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    AppenderBase<ILoggingEvent> appender =
        new AppenderBase<>() {
          @Override
          protected void append(ILoggingEvent e) {
            synchronized (captured) {
              captured.append(e.getFormattedMessage()).append('\n');
              if (e.getThrowableProxy() != null) {
                captured.append(e.getThrowableProxy().getMessage()).append('\n');
              }
            }
          }
        };
    appender.start();
    root.addAppender(appender);
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream tee = new PrintStream(printed, true, StandardCharsets.UTF_8);
    System.setOut(tee);
    System.setErr(tee);
    List<String> secrets;
    PrometheusRegistry registry = new PrometheusRegistry();
    StreamMetrics metrics = new StreamMetrics(registry);
    List<String> settingsShown = new ArrayList<>();
    try (SecuredKafkaBroker broker = SecuredKafkaBroker.start(dir.resolve("broker"), "flow")) {
      secrets = broker.secrets();
      Config config =
          ConfigFactory.parseString(
                  "igd.corrupt { corruptions = [gaussian_noise], severities = [1, 3] }")
              .withFallback(ConfigFactory.load());
      TopicNames topics = new TopicNames("flow");
      KafkaSettings base = StreamFixtures.kafka(broker.bootstrapServers());
      KafkaSettings admin = base.withClient(broker.clientProperties(AccessTable.ADMIN));
      KafkaSettings ingest = base.withClient(broker.clientProperties(Role.INGEST.user()));
      KafkaSettings corrupt = base.withClient(broker.clientProperties(Role.CORRUPT.user()));
      KafkaSettings evaluate = base.withClient(broker.clientProperties(Role.EVALUATE.user()));
      for (KafkaSettings k : List.of(admin, ingest, corrupt, evaluate)) {
        settingsShown.add(k.toString());
        settingsShown.add(k.describeClientProperties());
      }
      TopicAdmin.ensure(
          admin, TopicsSettings.fromConfig(config).specs(topics), Duration.ofSeconds(60));
      // the roles only check that their topics exist
      TopicAdmin.awaitExisting(
          corrupt, List.of(topics.samples(), topics.testCorrupted()), Duration.ofSeconds(60));

      // ingest: test samples and one undecodable record
      List<byte[][]> records = new ArrayList<>();
      Map<String, Integer> labels = new HashMap<>();
      for (int i = 0; i < TEST_SAMPLES; i++) {
        ImageSample s = StreamFixtures.sample("test-" + i, Split.TEST, i);
        labels.put("test-" + i, s.getLabel());
        records.add(StreamFixtures.record(s));
      }
      records.add(new byte[][] {"bad".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3}});
      StreamFixtures.produce(ingest, topics.samples(), records);

      CorruptSettings settings = CorruptSettings.fromConfig(config);
      ActorSystem system = ActorSystem.create("secured-corrupt", config);
      try {
        Consumer.DrainingControl<Done> control =
            CorruptStage.run(system, corrupt, topics, settings, metrics);
        int expected = TEST_SAMPLES * settings.outputsPerImage();
        List<CorruptedSample> got = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (got.size() < expected && System.nanoTime() < deadline) {
          got.clear();
          // evaluate reads what corrupt wrote, as its own user
          TopicScan.scan(
              evaluate,
              topics.testCorrupted(),
              Duration.ofSeconds(30),
              r -> got.add(CORRUPTED.decode(r.value())));
          Thread.sleep(500);
        }
        assertEquals(expected, got.size(), "every test sample x corruption x severity");
        Set<String> keys = new HashSet<>();
        for (CorruptedSample c : got) {
          assertEquals(labels.get(c.getSourceId().toString()), c.getLabel());
          keys.add(c.getSourceId() + "/" + c.getSeverity());
        }
        assertEquals(expected, keys.size(), "no duplicates");
        try (Admin a = Admin.create(corrupt.adminProperties())) {
          String group = topics.prefix() + "." + settings.group();
          long lagDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
          while (GroupOffsets.lag(a, group, topics.samples()) != 0
              && System.nanoTime() < lagDeadline) {
            Thread.sleep(200);
          }
          assertEquals(0, GroupOffsets.lag(a, group, topics.samples()), "committed to the end");
        }
        control
            .drainAndShutdown(system.dispatcher())
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
      } finally {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
      List<DeadLetter> letters = new ArrayList<>();
      TopicScan.scan(
          admin,
          topics.dlq(),
          Duration.ofSeconds(30),
          r -> letters.add(DeadLetterRecords.decode(r.value())));
      assertEquals(1, letters.size(), "the undecodable record, dead-lettered as corrupt");
      assertEquals(topics.samples(), letters.get(0).getSourceTopic().toString());
    } finally {
      System.setOut(out);
      System.setErr(err);
      root.detachAppender(appender);
    }
    StringBuilder everything = new StringBuilder();
    everything.append(captured).append(printed.toString(StandardCharsets.UTF_8));
    settingsShown.forEach(s -> everything.append(s).append('\n'));
    registry
        .scrape()
        .forEach(
            s ->
                everything
                    .append(s.getMetadata().getName())
                    .append(s.getDataPoints())
                    .append('\n'));
    Path written = Files.writeString(dir.resolve("everything.txt"), everything);
    String text = Files.readString(written);
    assertTrue(text.contains("sasl.jaas.config"), "the clients did log their configuration");
    for (String secret : secrets) {
      assertFalse(text.contains(secret), "a password was printed");
    }
  }
}
