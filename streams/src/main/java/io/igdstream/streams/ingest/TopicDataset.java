package io.igdstream.streams.ingest;

import io.igdstream.core.data.Dataset;
import io.igdstream.core.data.DatasetSplits;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.DeadLetter;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.SampleAgreement;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.Tensors;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.DeadLetterRecords;
import io.igdstream.schemas.kafka.Decoded;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.schemas.kafka.TopicScan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * A dataset known only from its topic ({@code --dataset topic}): every ImageSample on {@code
 * NS.samples}, read once, with the image shape, class count and class names the records give
 * ({@link SampleAgreement}: the first valid record fixes them). Records that do not decode, fail
 * validation or disagree with the first ones go to {@code NS.dlq} with the reason and are left out.
 * Images are ordered by sample id within each split, so a re-read gives the same dataset whatever
 * order the partitions deliver.
 */
public final class TopicDataset {

  private static final AvroCodec<ImageSample> SAMPLES = AvroCodec.of(ImageSample.class);

  private TopicDataset() {}

  /**
   * What was read.
   *
   * @param splits the TRAIN and TEST samples
   * @param deadLettered records sent to the DLQ
   */
  public record Loaded(DatasetSplits splits, long deadLettered) {}

  /**
   * Reads {@code topics.samples()}.
   *
   * @throws IllegalArgumentException when the topic is missing or holds no valid TRAIN or no valid
   *     TEST sample (the message says how to fill it)
   */
  public static Loaded load(KafkaSettings kafka, TopicNames topics, Duration timeout) {
    SampleAgreement agreement = new SampleAgreement();
    TreeMap<String, Kept> train = new TreeMap<>();
    TreeMap<String, Kept> test = new TreeMap<>();
    List<DeadLetter> dead = new ArrayList<>();
    TopicScan.scan(
        kafka,
        topics.samples(),
        timeout,
        record -> {
          Decoded<ImageSample> d = Decoded.of(record, SAMPLES, agreement);
          if (!d.ok()) {
            dead.add(d.deadLetter());
            return;
          }
          ImageSample s = d.value();
          Kept k = new Kept(bytes(Tensors.floats(s.getImage())), s.getLabel());
          (s.getSplit() == Split.TRAIN ? train : test).put(s.getId(), k);
        });
    if (!dead.isEmpty()) {
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(kafka.producerProperties())) {
        for (DeadLetter letter : dead) {
          producer.send(DeadLetterRecords.of(topics.dlq(), letter)).get();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while writing to " + topics.dlq(), e);
      } catch (ExecutionException e) {
        throw new IllegalStateException(
            "cannot write to " + topics.dlq() + ": " + e.getCause().getMessage(), e.getCause());
      }
    }
    SampleAgreement.Facts facts =
        agreement
            .facts()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        topics.samples()
                            + " holds no valid samples ("
                            + dead.size()
                            + " dead-lettered): produce some first, with `igd ingest"
                            + " --topic-prefix "
                            + topics.prefix()
                            + "` or clients/python/produce_images.py"));
    if (train.isEmpty() || test.isEmpty()) {
      throw new IllegalArgumentException(
          topics.samples()
              + " holds "
              + train.size()
              + " valid TRAIN and "
              + test.size()
              + " valid TEST samples: both splits are needed");
    }
    List<String> names = facts.classNames();
    if (names.isEmpty()) {
      names = new ArrayList<>();
      for (int k = 0; k < facts.classes(); k++) {
        names.add(Integer.toString(k));
      }
    }
    String name = facts.dataset().isEmpty() ? "topic:" + topics.samples() : facts.dataset();
    int[] shape = facts.shape();
    return new Loaded(
        new DatasetSplits(dataset(name, shape, names, train), dataset(name, shape, names, test)),
        dead.size());
  }

  private static Dataset dataset(
      String name, int[] shape, List<String> classes, TreeMap<String, Kept> kept) {
    int size = shape[0] * shape[1] * shape[2];
    byte[] pixels = new byte[kept.size() * size];
    int[] labels = new int[kept.size()];
    int i = 0;
    for (Map.Entry<String, Kept> e : kept.entrySet()) {
      System.arraycopy(e.getValue().pixels(), 0, pixels, i * size, size);
      labels[i] = e.getValue().label();
      i++;
    }
    return new Dataset(name, shape[0], shape[1], shape[2], classes, pixels, labels);
  }

  /**
   * [0, 1] floats to bytes, as core datasets hold them (round(v · 255), exact for 8-bit images).
   */
  private static byte[] bytes(float[] values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) Math.round(values[i] * 255f);
    }
    return out;
  }

  private record Kept(byte[] pixels, int label) {}
}
