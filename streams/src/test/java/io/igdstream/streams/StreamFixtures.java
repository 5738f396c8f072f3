package io.igdstream.streams;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import io.igdstream.core.model.ModelSpec;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.SnapshotInfo;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.Tensors;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.schemas.kafka.SnapshotPublisher;
import io.igdstream.schemas.kafka.TopicScan;
import io.igdstream.streams.kafka.TopicAdmin;
import io.igdstream.streams.kafka.TopicsSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Records, topics and models the stream tests share (broker tests against the in-process broker).
 */
public final class StreamFixtures {

  public static final ModelSpec SPEC = new ModelSpec(1, 28, 28, 10);
  public static final AvroCodec<ImageSample> SAMPLES = AvroCodec.of(ImageSample.class);

  private StreamFixtures() {}

  public static KafkaSettings kafka(String bootstrap) {
    return KafkaSettings.fromConfig(ConfigFactory.load()).withBootstrapServers(bootstrap);
  }

  /** The six topics of a prefix; {@code overrides} like "igd.topics.samples.partitions = 2". */
  public static TopicNames topics(String bootstrap, String prefix, String overrides)
      throws InterruptedException {
    TopicNames names = new TopicNames(prefix);
    Config c = ConfigFactory.parseString(overrides).withFallback(ConfigFactory.load());
    TopicAdmin.ensure(bootstrap, TopicsSettings.fromConfig(c).specs(names), Duration.ofSeconds(30));
    return names;
  }

  /** A random image sample: pixels in [0, 1], label in [0, 10). */
  public static ImageSample sample(String id, Split split, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] pixels = new float[28 * 28];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) r.nextDouble();
    }
    return ImageSample.newBuilder()
        .setId(id)
        .setSplit(split)
        .setLabel(r.nextInt(10))
        .setClasses(10)
        .setImage(Tensors.of(pixels, 1, 28, 28))
        .setDataset("fixture")
        .build();
  }

  /** Produces the values (null key = the sample id for samples) and waits for every ack. */
  public static void produce(KafkaSettings kafka, String topic, List<byte[][]> keyValues)
      throws Exception {
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.producerProperties())) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (byte[][] kv : keyValues) {
        sent.add(p.send(new ProducerRecord<>(topic, kv[0], kv[1])));
      }
      for (Future<RecordMetadata> f : sent) {
        f.get(30, TimeUnit.SECONDS);
      }
    }
  }

  public static byte[][] record(ImageSample s) {
    return new byte[][] {s.getId().toString().getBytes(StandardCharsets.UTF_8), SAMPLES.encode(s)};
  }

  /** A small-cnn with random weights, created on the gradient thread. */
  public static Classifier model(long seed) {
    return GradientThread.shared()
        .call(() -> Classifier.create(Architecture.of("small-cnn"), SPEC, seed));
  }

  public static void close(Classifier model) {
    GradientThread.shared()
        .call(
            () -> {
              model.close();
              return null;
            });
  }

  /** Publishes {@code model} as snapshot {@code version} of {@code modelId}. */
  public static void publishSnapshot(
      KafkaSettings kafka,
      TopicNames topics,
      String modelId,
      Classifier model,
      long version,
      Map<String, String> facts) {
    byte[] payload = GradientThread.shared().call(() -> model.toModelFile(Map.of()).encode());
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.producerProperties())) {
      new SnapshotPublisher(p, topics.snapshots(), modelId, 64 << 10)
          .publish(
              payload,
              new SnapshotInfo(
                  modelId, version, "small-cnn", 1, 28, 28, 10, System.currentTimeMillis(), facts));
    }
  }

  /** Every record now on the topic. */
  public static List<ConsumerRecord<byte[], byte[]>> readAll(KafkaSettings kafka, String topic) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    TopicScan.scan(kafka, topic, Duration.ofSeconds(30), out::add);
    return out;
  }
}
