package io.igdstream.streams.evaluate;

import io.igdstream.core.Seeds;
import io.igdstream.core.corruption.Corruption;
import io.igdstream.core.corruption.Corruptions;
import io.igdstream.core.data.Dataset;
import io.igdstream.core.eval.CorruptedImages;
import io.igdstream.core.metrics.SampleSeeds;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.CorruptedSample;
import io.igdstream.schemas.Tensors;
import io.igdstream.schemas.Validators;
import io.igdstream.schemas.kafka.Decoded;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.schemas.kafka.TopicScan;
import java.time.Duration;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The corrupted test images the corrupt stage wrote to {@code {ns}.test.corrupted}, looked up by
 * (sample id, corruption, severity), so the suite scores exactly the images the rest of the system
 * sees. The corrupt stage may still be running when a snapshot is evaluated: a variant not yet on
 * the topic is computed in-process instead and counted ({@link #fallbacks}), seeded like the
 * corrupt stage seeds it ({@code SampleSeeds.of(seed, Seeds.ofText(sample id),
 * "<corruption>/<severity>")}), so with the same seed it is the same image.
 *
 * <p>Images are held as bytes (round(v · 255)), the precision of the clean test images and of the
 * published CIFAR-10-C / ImageNet-C files: n × variants × C·H·W bytes, 35 MB for 1000 Fashion-MNIST
 * images × 45 variants. Records of images outside the test set are ignored; invalid ones (or whose
 * label disagrees with the clean sample) are skipped and counted, the corrupt stage dead-letters
 * its own bad output.
 *
 * <p>{@link #fill} runs on the gradient thread; the counters are thread-safe.
 */
public final class StoredCorruptions implements CorruptedImages {

  private static final AvroCodec<CorruptedSample> CODEC = AvroCodec.of(CorruptedSample.class);

  private final TestSet tests;
  private final long seed;
  private final Map<String, Variant> variants = new HashMap<>();
  private final AtomicLong fallbacks = new AtomicLong();
  private long stored;
  private long skipped;

  /** Images of one corruption at one severity, for every test image that has one. */
  private record Variant(byte[] pixels, BitSet present) {}

  private StoredCorruptions(TestSet tests, long seed) {
    this.tests = tests;
    this.seed = seed;
  }

  /** No stored images: every variant is computed in-process (what {@code igd eval} does). */
  public static StoredCorruptions none(TestSet tests, long seed) {
    return new StoredCorruptions(Objects.requireNonNull(tests, "tests"), seed);
  }

  /**
   * Reads {@code topic} once (no consumer group) and keeps the images of {@code tests}' samples.
   *
   * @param seed the seed of variants computed in-process when missing
   */
  public static StoredCorruptions load(
      KafkaSettings kafka, String topic, TestSet tests, long seed, Duration timeout) {
    StoredCorruptions store = none(tests, seed);
    Dataset d = tests.dataset();
    int[] shape = {d.channels(), d.height(), d.width()};
    TopicScan.scan(
        kafka,
        topic,
        timeout,
        record -> {
          Decoded<CorruptedSample> decoded =
              Decoded.of(record, CODEC, s -> Validators.validate(s, shape));
          if (!decoded.ok()) {
            store.skipped++;
            return;
          }
          store.accept(decoded.value());
        });
    return store;
  }

  private void accept(CorruptedSample s) {
    int index = tests.indexOf(s.getSourceId());
    if (index < 0) {
      return;
    }
    Dataset d = tests.dataset();
    if (s.getLabel() != d.labels()[index] || s.getClasses() != d.classCount()) {
      skipped++;
      return;
    }
    int size = d.imageSize();
    Variant v =
        variants.computeIfAbsent(
            key(s.getCorruption(), s.getSeverity()),
            k -> new Variant(new byte[d.size() * size], new BitSet(d.size())));
    System.arraycopy(
        TestSet.bytes(Tensors.floats(s.getImage())), 0, v.pixels(), index * size, size);
    if (!v.present().get(index)) {
      v.present().set(index);
      stored++;
    }
  }

  @Override
  public void fill(
      Corruption corruption,
      int severity,
      int testIndex,
      float[] src,
      int srcOffset,
      float[] dst,
      int dstOffset,
      int channels,
      int height,
      int width) {
    String key = key(corruption.name(), severity);
    Variant v = variants.get(key);
    if (v != null && v.present().get(testIndex)) {
      int size = channels * height * width;
      byte[] pixels = v.pixels();
      for (int i = 0, from = testIndex * size; i < size; i++) {
        dst[dstOffset + i] = (pixels[from + i] & 0xFF) / 255f;
      }
      return;
    }
    fallbacks.incrementAndGet();
    long drawSeed = SampleSeeds.of(seed, Seeds.ofText(tests.ids().get(testIndex)), key);
    corruption.apply(
        src,
        srcOffset,
        dst,
        dstOffset,
        channels,
        height,
        width,
        severity,
        new SplittableRandom(drawSeed));
  }

  /** Whether every test image has every corruption of the suite at every severity. */
  public boolean complete() {
    int n = tests.dataset().size();
    for (String name : Corruptions.names()) {
      for (int severity = 1; severity <= 5; severity++) {
        Variant v = variants.get(key(name, severity));
        if (v == null || v.present().cardinality() != n) {
          return false;
        }
      }
    }
    return true;
  }

  /** Distinct (image, corruption, severity) images read from the topic. */
  public long stored() {
    return stored;
  }

  /** Images the suite asked for that were not on the topic and were computed in-process. */
  public long fallbacks() {
    return fallbacks.get();
  }

  /** Invalid records of the topic, skipped. */
  public long skipped() {
    return skipped;
  }

  private static String key(CharSequence corruption, int severity) {
    return corruption + "/" + severity;
  }
}
