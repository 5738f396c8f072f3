package io.igdstream.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.igdstream.core.io.Checkpoint;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.schemas.kafka.TopicScan;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code igd pipeline --dataset topic}: a dataset that reaches the broker only as records (here
 * written by {@code igd ingest} into a broker the test runs) is trained on with no files named.
 */
@Tag("broker")
@Tag("slow")
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class PipelineFromTopicTest {

  private static final int TRAIN = 96;
  private static final int TEST = 40;
  private static final AvroCodec<ImageSample> SAMPLES = AvroCodec.of(ImageSample.class);

  @TempDir Path dir;

  @Test
  void trainsOnWhatTheSamplesTopicHolds() throws Exception {
    BadInputTest.fixtureExists();
    Path conf = TinyPipeline.config(dir);
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0)) {
      String servers = broker.bootstrapServers();
      Cli.Result ingest =
          Cli.run(
              "ingest",
              "--dataset",
              BadInputTest.idxFixture(),
              "--train-limit",
              Integer.toString(TRAIN),
              "--test-limit",
              Integer.toString(TEST),
              "--topic-prefix",
              "arrived",
              "--bootstrap-servers",
              servers,
              "--metrics-port",
              "-1");
      assertEquals(0, ingest.exitCode(), ingest.toString());
      // ingest writes the dataset's class names into every record (idx: names them "0".."9")
      List<String> expectedNames = IntStream.range(0, 10).mapToObj(Integer::toString).toList();
      List<List<String>> names = new ArrayList<>();
      TopicScan.scan(
          KafkaSettings.fromConfig(ConfigFactory.load()).withBootstrapServers(servers),
          "arrived.samples",
          Duration.ofSeconds(60),
          rec -> names.add(SAMPLES.decode(rec.value()).getClassNames()));
      assertEquals(TRAIN + TEST, names.size());
      assertTrue(names.stream().allMatch(expectedNames::equals), names.get(0).toString());
      Path out = dir.resolve("run");

      Cli.Result r =
          Cli.run(
              "pipeline",
              "--dataset",
              "topic",
              "--topic-prefix",
              "arrived",
              "--bootstrap-servers",
              servers,
              "--epochs",
              "1",
              "--teacher-epochs",
              "1",
              "--evaluate-every",
              "2",
              "--metrics-port",
              "-1",
              "--config",
              conf.toString(),
              "--out",
              out.toString());

      assertEquals(0, r.exitCode(), r.toString());
      // the split, shape and classes came from the records ingest wrote
      assertTrue(
          r.err()
              .contains(
                  "dataset from arrived.samples: "
                      + BadInputTest.idxFixture()
                      + ", "
                      + TRAIN
                      + " train / "
                      + TEST
                      + " test images of 1x28x28"),
          r.err());
      assertTrue(r.err().contains("0 records to arrived.dlq"), r.err());
      assertFalse(r.err().contains(" -> arrived.samples: "), "nothing ingested again: " + r.err());
      Checkpoint model = Checkpoint.read(out.resolve("model.safetensors"));
      assertEquals(10, model.requireLong("classes"));
      assertEquals(28, model.requireLong("height"));
      assertTrue(Files.isRegularFile(out.resolve("teacher").resolve("model.safetensors")));
    }
  }
}
