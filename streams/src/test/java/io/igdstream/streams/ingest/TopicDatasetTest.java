package io.igdstream.streams.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.igdstream.core.data.Dataset;
import io.igdstream.schemas.DeadLetter;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.ReasonCode;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.Tensors;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.DeadLetterRecords;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.StreamFixtures;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --dataset topic}: what one partition of {@code NS.samples} holds becomes the dataset, its
 * shape, classes and names from the first record, and the records that disagree go to the DLQ.
 */
@Tag("broker")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TopicDatasetTest {

  private static final List<String> NAMES = List.of("cat", "dog", "eel");

  @TempDir Path dir;

  /** A 1x2x2 sample whose pixels are the bytes {@code base .. base+3} over 255. */
  private static ImageSample sample(
      String id, Split split, int label, int base, List<String> names) {
    float[] pixels = new float[4];
    for (int i = 0; i < 4; i++) {
      pixels[i] = (base + i) / 255f;
    }
    return ImageSample.newBuilder()
        .setId(id)
        .setSplit(split)
        .setLabel(label)
        .setClasses(3)
        .setImage(Tensors.of(pixels, 1, 2, 2))
        .setDataset("pets")
        .setClassNames(names)
        .build();
  }

  @Test
  void theTopicsRecordsAreTheDatasetAndDisagreeingOnesAreDeadLettered() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0)) {
      // one partition, so "the first record" is the first produced
      TopicNames topics =
          StreamFixtures.topics(
              broker.bootstrapServers(), "pets", "igd.topics.samples.partitions = 1");
      KafkaSettings kafka = StreamFixtures.kafka(broker.bootstrapServers());
      List<byte[][]> records = new ArrayList<>();
      records.add(StreamFixtures.record(sample("train-000002", Split.TRAIN, 2, 20, NAMES)));
      records.add(StreamFixtures.record(sample("train-000000", Split.TRAIN, 0, 0, NAMES)));
      records.add(StreamFixtures.record(sample("test-000000", Split.TEST, 1, 100, List.of())));
      records.add(
          StreamFixtures.record(
              sample("train-000009", Split.TRAIN, 1, 50, List.of("a", "b", "c"))));
      ImageSample bigger =
          ImageSample.newBuilder(sample("train-000008", Split.TRAIN, 1, 0, NAMES))
              .setImage(Tensors.of(new float[9], 1, 3, 3))
              .build();
      records.add(StreamFixtures.record(bigger));
      records.add(new byte[][] {"junk".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3}});
      records.add(StreamFixtures.record(sample("train-000001", Split.TRAIN, 1, 10, NAMES)));
      StreamFixtures.produce(kafka, topics.samples(), records);

      TopicDataset.Loaded loaded = TopicDataset.load(kafka, topics, Duration.ofSeconds(60));

      Dataset train = loaded.splits().train();
      assertEquals("pets", train.name());
      assertEquals(NAMES, train.classes());
      assertEquals(1, train.channels());
      assertEquals(2, train.height());
      assertEquals(2, train.width());
      // by sample id: train-000000, -01, -02
      assertArrayEquals(new int[] {0, 1, 2}, train.labels());
      assertArrayEquals(new byte[] {0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23}, train.pixels());
      Dataset test = loaded.splits().test();
      assertArrayEquals(new int[] {1}, test.labels());
      assertArrayEquals(new byte[] {100, 101, 102, 103}, test.pixels());
      assertEquals(3, loaded.deadLettered());

      List<DeadLetter> dlq = new ArrayList<>();
      StreamFixtures.readAll(kafka, topics.dlq())
          .forEach(r -> dlq.add(DeadLetterRecords.decode(r.value())));
      assertEquals(
          List.of(ReasonCode.OTHER, ReasonCode.SHAPE_MISMATCH, ReasonCode.UNDECODABLE),
          dlq.stream().map(DeadLetter::getReasonCode).toList());
      assertTrue(dlq.get(0).getReason().toString().contains("class names"), dlq.toString());
      assertEquals(topics.samples(), dlq.get(1).getSourceTopic().toString());
    }
  }

  @Test
  void anEmptyTopicSaysHowToFillIt() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0)) {
      TopicNames topics = StreamFixtures.topics(broker.bootstrapServers(), "empty", "");
      KafkaSettings kafka = StreamFixtures.kafka(broker.bootstrapServers());

      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> TopicDataset.load(kafka, topics, Duration.ofSeconds(30)));

      assertTrue(e.getMessage().contains("empty.samples holds no valid samples"), e.getMessage());
      assertTrue(e.getMessage().contains("igd ingest --topic-prefix empty"), e.getMessage());
    }
  }
}
