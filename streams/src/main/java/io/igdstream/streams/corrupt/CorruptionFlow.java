package io.igdstream.streams.corrupt;

import io.igdstream.core.Seeds;
import io.igdstream.core.corruption.ConstantSet;
import io.igdstream.core.corruption.Corruption;
import io.igdstream.core.corruption.Corruptions;
import io.igdstream.core.metrics.SampleSeeds;
import io.igdstream.schemas.CorruptedSample;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.Dispatchers;
import org.apache.pekko.stream.javadsl.Flow;

/**
 * The numerics of the corrupt stage, without Kafka: one test image in, every configured corruption
 * × severity out (docs/PROTOCOL.md §2), in the order of {@link CorruptSettings#corruptions()} then
 * {@link CorruptSettings#severities()}.
 *
 * <p>Each output's random draws are seeded by {@code SampleSeeds.of(seed, hash(sample id),
 * corruption + "/" + severity)} and the seed is stored in the record, so an output depends only on
 * the image, the run seed and its coordinates: any worker, in any order, after any replay makes the
 * same bytes, and {@code x'} can be recomputed from the record alone. The id hash is 64-bit FNV-1a
 * of its UTF-8 bytes (stable across JVMs, unlike {@link String#hashCode()}), the same hash {@link
 * SampleSeeds} uses for test names.
 *
 * <p>Constants follow the image size ({@link ConstantSet#forImageSize}): CIFAR-10-C up to 32 px,
 * ImageNet-C above. Thread-safe: corruptions are immutable and keep scratch memory per thread.
 */
public final class CorruptionFlow {

  private final CorruptSettings settings;
  private final Map<ConstantSet, List<Corruption>> corruptions = new EnumMap<>(ConstantSet.class);

  public CorruptionFlow(CorruptSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    for (ConstantSet constants : ConstantSet.values()) {
      corruptions.put(
          constants,
          settings.corruptions().stream()
              .map(name -> Corruptions.byName(name, constants))
              .toList());
    }
  }

  /**
   * {@link #flow(Executor)} on Pekko's default blocking dispatcher ({@link
   * Dispatchers#DefaultBlockingDispatcherId()}, 16 threads by default). Corrupting is CPU work of
   * milliseconds per image: on the default dispatcher it would delay every other stream stage and
   * actor of the system; the blocking dispatcher keeps it apart without an executor the caller has
   * to shut down. {@code parallelism} of mapAsync, not the pool size, bounds the cores used.
   */
  public static Flow<ImageSample, List<CorruptedSample>, NotUsed> create(
      CorruptSettings settings, ActorSystem system) {
    return new CorruptionFlow(settings).flow(executor(system));
  }

  /** The executor {@link #create} runs corruptions on: Pekko's default blocking dispatcher. */
  public static Executor executor(ActorSystem system) {
    return system.dispatchers().lookup(Dispatchers.DefaultBlockingDispatcherId());
  }

  /**
   * {@link #corrupt} as a flow: up to {@code parallelism} images at once on {@code executor},
   * results in input order. A failing image fails the stream; validate first.
   */
  public Flow<ImageSample, List<CorruptedSample>, NotUsed> flow(Executor executor) {
    Objects.requireNonNull(executor, "executor");
    return Flow.<ImageSample>create()
        .mapAsync(
            settings.parallelism(),
            sample -> CompletableFuture.supplyAsync(() -> corrupt(sample), executor));
  }

  /**
   * Every configured corruption × severity of {@code sample}'s image, with its label, classes and
   * id. The split is not looked at: callers pass test images.
   *
   * @throws IllegalArgumentException if the image is not [C, H, W] or a corruption does not support
   *     its channel count (brightness, jpeg_compression: 1 or 3)
   */
  public List<CorruptedSample> corrupt(ImageSample sample) {
    int[] shape = Tensors.shape(sample.getImage());
    if (shape.length != 3) {
      throw new IllegalArgumentException(
          "image of "
              + sample.getId()
              + " must have shape [C, H, W], was "
              + Arrays.toString(shape));
    }
    int channels = shape[0];
    int height = shape[1];
    int width = shape[2];
    float[] clean = Tensors.floats(sample.getImage());
    long idHash = idHash(sample.getId());
    List<CorruptedSample> outputs = new ArrayList<>(settings.outputsPerImage());
    for (Corruption corruption : corruptions.get(ConstantSet.forImageSize(height, width))) {
      for (int severity : settings.severities()) {
        long seed = seed(settings.seed(), idHash, corruption.name(), severity);
        float[] corrupted = new float[clean.length];
        corruption.apply(
            clean, 0, corrupted, 0, channels, height, width, severity, new SplittableRandom(seed));
        outputs.add(
            CorruptedSample.newBuilder()
                .setSourceId(sample.getId())
                .setCorruption(corruption.name())
                .setSeverity(severity)
                .setLabel(sample.getLabel())
                .setClasses(sample.getClasses())
                .setImage(Tensors.of(corrupted, shape))
                .setSeed(seed)
                .build());
      }
    }
    return outputs;
  }

  /** The seed of one output: (run seed, sample, corruption/severity). */
  static long seed(long runSeed, long idHash, String corruption, int severity) {
    return SampleSeeds.of(runSeed, idHash, corruption + "/" + severity);
  }

  /** The id's stable 64-bit hash ({@link Seeds#ofText}); {@link SampleSeeds} mixes it further. */
  static long idHash(String id) {
    return Seeds.ofText(id);
  }
}
