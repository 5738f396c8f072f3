package io.igdstream.streams.ingest;

import io.igdstream.core.data.Dataset;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.Tensors;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.schemas.kafka.TopicScan;
import io.igdstream.streams.kafka.PekkoKafka;
import io.igdstream.streams.metrics.StreamMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.kafka.javadsl.Producer;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Ingest: a dataset's images → {@code {ns}.samples} as ImageSample records keyed by sample id
 * ({@code train-000123}, {@code test-000045}), pixels as float32 in [0, 1]. Ids already on the
 * topic are skipped, so re-running ingest for the same prefix adds nothing twice (and finishes a
 * run that was interrupted).
 */
public final class SampleIngest {

  /** What a run wrote and skipped. */
  public record Result(long written, long skipped) {}

  private static final String STAGE = "ingest";

  private SampleIngest() {}

  /** The stable id of sample {@code index} of a split. */
  public static String id(Split split, int index) {
    return (split == Split.TRAIN ? "train-" : "test-") + String.format("%06d", index);
  }

  /**
   * Writes the samples of {@code train} and {@code test} (either may be null) not yet on the topic.
   *
   * @param datasetName the --dataset value, recorded in every record
   * @param progress called with the number written so far
   */
  public static Result run(
      ActorSystem system,
      KafkaSettings kafka,
      TopicNames topics,
      String datasetName,
      Dataset train,
      Dataset test,
      StreamMetrics metrics,
      LongConsumer progress)
      throws Exception {
    Set<String> existing = new HashSet<>();
    TopicScan.scan(
        kafka,
        topics.samples(),
        Duration.ofMinutes(5),
        r -> existing.add(r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8)));
    AvroCodec<ImageSample> codec = AvroCodec.of(ImageSample.class);
    long[] written = {0};
    long skipped = 0;
    for (Split split : List.of(Split.TRAIN, Split.TEST)) {
      Dataset data = split == Split.TRAIN ? train : test;
      if (data == null) {
        continue;
      }
      List<Integer> todo =
          IntStream.range(0, data.size())
              .filter(i -> !existing.contains(id(split, i)))
              .boxed()
              .toList();
      skipped += data.size() - todo.size();
      int size = data.imageSize();
      Source.from(todo)
          .map(
              i -> {
                float[] pixels = new float[size];
                data.copyImage(i, pixels, 0);
                ImageSample s =
                    ImageSample.newBuilder()
                        .setId(id(split, i))
                        .setSplit(split)
                        .setLabel(data.labels()[i])
                        .setClasses(data.classCount())
                        .setImage(Tensors.of(pixels, data.channels(), data.height(), data.width()))
                        .setDataset(datasetName)
                        .setClassNames(data.classes())
                        .build();
                written[0]++;
                metrics.produced(STAGE, 1);
                if (written[0] % 1000 == 0) {
                  progress.accept(written[0]);
                }
                return new ProducerRecord<>(
                    topics.samples(),
                    s.getId().toString().getBytes(StandardCharsets.UTF_8),
                    codec.encode(s));
              })
          .runWith(Producer.plainSink(PekkoKafka.producer(system, kafka)), system)
          .toCompletableFuture()
          .get(30, TimeUnit.MINUTES);
    }
    progress.accept(written[0]);
    return new Result(written[0], skipped);
  }
}
