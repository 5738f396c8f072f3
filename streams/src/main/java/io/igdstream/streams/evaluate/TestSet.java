package io.igdstream.streams.evaluate;

import io.igdstream.core.data.Dataset;
import io.igdstream.core.model.ModelSpec;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.ReasonCode;
import io.igdstream.schemas.RecordDecodingException;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.Tensors;
import io.igdstream.schemas.Validators;
import io.igdstream.schemas.kafka.Decoded;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.schemas.kafka.TopicScan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The test split the evaluator scores every snapshot on, read once from {@code {ns}.samples}: the
 * first {@code limit} TEST samples by sample id, so every report of a run (and of a restarted
 * evaluator) covers the same images whatever order the partitions deliver them in. Pixels are kept
 * as bytes like every core {@link Dataset}; the sample ids stay alongside, since corrupted images
 * and noise seeds refer to them.
 *
 * <p>Records that do not decode, fail validation or have another shape or class count than the
 * model are skipped and counted here, not dead-lettered: augment and corrupt read the same topic
 * and already send them to {@code {ns}.dlq}.
 */
public final class TestSet {

  private static final AvroCodec<ImageSample> SAMPLES = AvroCodec.of(ImageSample.class);

  private final Dataset dataset;
  private final List<String> ids;
  private final Map<String, Integer> indices;
  private final long skipped;

  /**
   * @param dataset the images, in the order of {@code ids}
   * @param ids the sample id of each image
   * @param skipped records of the topic that were invalid
   */
  public TestSet(Dataset dataset, List<String> ids, long skipped) {
    this.dataset = Objects.requireNonNull(dataset, "dataset");
    this.ids = List.copyOf(ids);
    if (this.ids.size() != dataset.size()) {
      throw new IllegalArgumentException(
          "ids must name every image: "
              + this.ids.size()
              + " ids for "
              + dataset.size()
              + " images");
    }
    Map<String, Integer> byId = new HashMap<>();
    for (int i = 0; i < this.ids.size(); i++) {
      if (byId.put(this.ids.get(i), i) != null) {
        throw new IllegalArgumentException("sample id '" + this.ids.get(i) + "' appears twice");
      }
    }
    this.indices = Map.copyOf(byId);
    this.skipped = skipped;
  }

  /**
   * Reads the TEST split of {@code topic} once (no consumer group).
   *
   * @param spec the model's input shape and classes; samples of another shape or class count are
   *     skipped
   * @param limit the most images to keep, the first by sample id; 0 = all
   * @throws IllegalStateException if the topic holds no valid test sample of that shape
   */
  public static TestSet load(
      KafkaSettings kafka, String topic, ModelSpec spec, int limit, Duration timeout) {
    Objects.requireNonNull(spec, "spec");
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0 (0 = all), was " + limit);
    }
    int[] shape = {spec.channels(), spec.height(), spec.width()};
    TreeMap<String, Kept> kept = new TreeMap<>();
    long[] skipped = {0};
    String[] name = {""};
    TopicScan.scan(
        kafka,
        topic,
        timeout,
        record -> {
          Decoded<ImageSample> d =
              Decoded.of(
                  record,
                  SAMPLES,
                  s -> {
                    Validators.validate(s, shape);
                    if (s.getClasses() != spec.classes()) {
                      throw new RecordDecodingException(
                          ReasonCode.LABEL_OUT_OF_RANGE,
                          "sample "
                              + s.getId()
                              + " has "
                              + s.getClasses()
                              + " classes, the model "
                              + spec.classes());
                    }
                  });
          if (!d.ok()) {
            skipped[0]++;
            return;
          }
          ImageSample s = d.value();
          if (s.getSplit() != Split.TEST) {
            return;
          }
          kept.put(s.getId(), new Kept(bytes(Tensors.floats(s.getImage())), s.getLabel()));
          if (limit > 0 && kept.size() > limit) {
            kept.pollLastEntry();
          }
          if (name[0].isEmpty()) {
            name[0] = s.getDataset();
          }
        });
    if (kept.isEmpty()) {
      throw new IllegalStateException(
          topic
              + " holds no valid TEST samples of shape "
              + spec.channels()
              + "x"
              + spec.height()
              + "x"
              + spec.width()
              + " with "
              + spec.classes()
              + " classes ("
              + skipped[0]
              + " invalid records skipped): run `igd ingest` first");
    }
    int size = spec.channels() * spec.height() * spec.width();
    byte[] pixels = new byte[kept.size() * size];
    int[] labels = new int[kept.size()];
    List<String> ids = new ArrayList<>(kept.size());
    int i = 0;
    for (var e : kept.entrySet()) {
      System.arraycopy(e.getValue().pixels(), 0, pixels, i * size, size);
      labels[i] = e.getValue().label();
      ids.add(e.getKey());
      i++;
    }
    List<String> classes = new ArrayList<>();
    for (int k = 0; k < spec.classes(); k++) {
      classes.add(Integer.toString(k));
    }
    String dataset = name[0].isEmpty() ? topic : name[0];
    return new TestSet(
        new Dataset(dataset, spec.channels(), spec.height(), spec.width(), classes, pixels, labels),
        ids,
        skipped[0]);
  }

  /** The images, labels and dataset name ({@code ImageSample.dataset}, else the topic). */
  public Dataset dataset() {
    return dataset;
  }

  /** The sample id of each image, ascending. */
  public List<String> ids() {
    return ids;
  }

  /** The index of sample {@code id}, or -1 when it is not in the set. */
  public int indexOf(String id) {
    return indices.getOrDefault(id, -1);
  }

  /** Invalid records of the topic, skipped. */
  public long skipped() {
    return skipped;
  }

  /** [0, 1] floats to bytes, as core datasets hold them (round(v · 255)). */
  static byte[] bytes(float[] values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) Math.round(values[i] * 255f);
    }
    return out;
  }

  private record Kept(byte[] pixels, int label) {}
}
