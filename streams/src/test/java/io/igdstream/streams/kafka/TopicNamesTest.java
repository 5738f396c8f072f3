package io.igdstream.streams.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.igdstream.schemas.TopicNames;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TopicNamesTest {

  @Test
  void namesArePrefixDotTopic() {
    TopicNames names = new TopicNames("fmnist-run1");

    assertEquals("fmnist-run1.samples", names.samples());
    assertEquals("fmnist-run1.train.adversarial", names.trainAdversarial());
    assertEquals("fmnist-run1.test.corrupted", names.testCorrupted());
    assertEquals("fmnist-run1.snapshots", names.snapshots());
    assertEquals("fmnist-run1.reports", names.reports());
    assertEquals("fmnist-run1.dlq", names.dlq());
    assertEquals(6, names.all().size());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "has space", "slash/name", "ümlaut", ".", ".."})
  void illegalPrefixIsRejectedByName(String prefix) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new TopicNames(prefix));

    assertTrue(e.getMessage().contains("topic prefix"), e.getMessage());
  }

  @Test
  void prefixTooLongForKafkaIsRejected() {
    String longest = "p".repeat(249 - ".train.adversarial".length());

    assertEquals(249, new TopicNames(longest).trainAdversarial().length());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new TopicNames(longest + "p"));
    assertTrue(e.getMessage().contains("too long"), e.getMessage());
  }

  @Test
  void referenceConfGivesSpecsForEveryTopic() {
    List<TopicSpec> specs = TopicsSettings.load().specs(new TopicNames("ns"));

    assertEquals(new TopicNames("ns").all(), specs.stream().map(TopicSpec::name).toList());
    TopicSpec samples = specs.get(0);
    assertEquals(4, samples.partitions());
    assertEquals(
        Map.of("max.message.bytes", "8388608", "retention.ms", "-1", "cleanup.policy", "delete"),
        samples.config());
    TopicSpec reports = specs.get(4);
    assertEquals("compact", reports.config().get("cleanup.policy"));
    assertEquals(1, specs.get(3).partitions(), "snapshot chunks stay in order on one partition");
    assertEquals(Long.toString(24 * 3600 * 1000L), specs.get(1).config().get("retention.ms"));
  }

  @Test
  void badPartitionCountNamesTheKey() {
    Config conf =
        ConfigFactory.parseString("igd.topics.dlq.partitions = 0")
            .withFallback(ConfigFactory.load());

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TopicsSettings.fromConfig(conf));
    assertEquals("igd.topics.dlq.partitions must be >= 1, was 0", e.getMessage());
  }

  @Test
  void badCleanupPolicyNamesTheKey() {
    Config conf =
        ConfigFactory.parseString("igd.topics.reports.cleanup-policy = keep")
            .withFallback(ConfigFactory.load());

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TopicsSettings.fromConfig(conf));
    assertTrue(e.getMessage().startsWith("igd.topics.reports.cleanup-policy"), e.getMessage());
  }

  @Test
  void badRetentionNamesTheKey() {
    Config conf =
        ConfigFactory.parseString("igd.topics.samples.retention = forever")
            .withFallback(ConfigFactory.load());

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TopicsSettings.fromConfig(conf));
    assertTrue(e.getMessage().contains("igd.topics.samples.retention"), e.getMessage());
  }

  @Test
  void retentionAcceptsDurationsAndInfinite() {
    Config conf =
        ConfigFactory.parseString(
                "igd.topics.dlq.retention = 90 minutes\nigd.topics.snapshots.retention = infinite")
            .withFallback(ConfigFactory.load());

    TopicsSettings s = TopicsSettings.fromConfig(conf);
    assertEquals(90 * 60_000L, s.dlq().retentionMs());
    assertEquals(TopicsSettings.INFINITE_RETENTION, s.snapshots().retentionMs());
  }
}
