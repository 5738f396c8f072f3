package io.igdstream.streams.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.igdstream.core.data.Augmentation;
import io.igdstream.core.model.Classifier;
import io.igdstream.schemas.AdversarialSample;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.PekkoSystems;
import io.igdstream.streams.StreamFixtures;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import io.igdstream.streams.metrics.StreamMetrics;
import io.igdstream.streams.snapshot.SnapshotFollower;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker stops mid-epoch and starts again on the same data directory and port: augment, its
 * snapshot follower and its lag gate reconnect by themselves and the epoch completes with every
 * sample (at-least-once: repeats allowed, counted).
 */
@Tag("broker")
@Tag("slow")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@Tag("reliability")
class AugmentBrokerRestartTest {

  private static final int SAMPLES = 600;

  @TempDir Path dir;

  @Test
  void augmentSurvivesABrokerRestartAndCompletesTheEpoch() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path data = dir.resolve("kafka");
    List<byte[][]> records = new ArrayList<>();
    for (int i = 0; i < SAMPLES; i++) {
      records.add(StreamFixtures.record(StreamFixtures.sample("train-" + i, Split.TRAIN, i)));
    }
    StreamMetrics metrics = new StreamMetrics(new PrometheusRegistry());
    List<String> log = new CopyOnWriteArrayList<>();
    ActorSystem system = PekkoSystems.create("restart-test", ConfigFactory.load());
    Classifier teacher = StreamFixtures.model(1);
    Classifier student = StreamFixtures.model(2);
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(data, port);
    try {
      KafkaSettings kafka = StreamFixtures.kafka(broker.bootstrapServers());
      TopicNames topics = StreamFixtures.topics(broker.bootstrapServers(), "restart", "");
      StreamFixtures.produce(kafka, topics.samples(), records);
      StreamFixtures.publishSnapshot(kafka, topics, "student", student, 0, Map.of());
      AugmentSettings s =
          AugmentSettings.fromConfig(
              ConfigFactory.parseString(
                      "igd.train.epochs = 1, igd.augment.batch-size = 16, igd.augment.max-lag = 1000000000, igd.attack.train-steps = 3")
                  .withFallback(ConfigFactory.load()));
      var t = s.train();
      AdversarialExamples examples =
          new AdversarialExamples(
              teacher, t.attack(1, 3), t.igd(), Augmentation.NONE, 0, "student");
      try (SnapshotFollower follower =
          SnapshotFollower.start(kafka, topics, "student", "augment", metrics)) {
        AugmentStage stage =
            AugmentStage.start(
                system,
                kafka,
                topics,
                s,
                examples,
                follower,
                metrics,
                new int[] {1, 28, 28},
                10,
                log::add);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (stage.status().produced() < SAMPLES / 4 && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        long before = stage.status().produced();
        assertTrue(before > 0 && before < SAMPLES, "stopped mid-epoch: " + before);
        broker.close();
        Thread.sleep(3000);
        broker = EmbeddedKafkaBroker.start(data, port);
        System.out.printf("broker restarted after %d of %d samples%n", before, SAMPLES);
        stage.done().toCompletableFuture().get(240, TimeUnit.SECONDS);
      }
      Map<String, Integer> counts = new java.util.HashMap<>();
      AvroCodec<AdversarialSample> codec = AvroCodec.of(AdversarialSample.class);
      StreamFixtures.readAll(kafka, topics.trainAdversarial())
          .forEach(
              r -> counts.merge(codec.decode(r.value()).getSampleId().toString(), 1, Integer::sum));
      Set<String> expected = new HashSet<>();
      for (int i = 0; i < SAMPLES; i++) {
        expected.add("train-" + i);
      }
      assertEquals(expected, counts.keySet(), "every sample of the epoch, nothing lost");
      System.out.printf(
          "after the restart: %d records for %d samples (%d repeats); stage log: %s%n",
          counts.values().stream().mapToInt(Integer::intValue).sum(),
          SAMPLES,
          counts.values().stream().mapToInt(v -> v - 1).sum(),
          log);
    } finally {
      broker.close();
      StreamFixtures.close(teacher);
      StreamFixtures.close(student);
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
