package io.igdstream.streams.corrupt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.igdstream.core.corruption.ConstantSet;
import io.igdstream.core.corruption.Corruptions;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.CorruptedSample;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.Tensors;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.testkit.javadsl.StreamTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The corrupt stage's numerics, without Kafka: counts, ranges, shapes, reproducibility, severity.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CorruptionFlowTest {

  static final CorruptSettings ALL = CorruptSettings.fromConfig(ConfigFactory.load());
  static final AvroCodec<CorruptedSample> CODEC = AvroCodec.of(CorruptedSample.class);

  static ActorSystem system;

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("corruption-flow-test");
  }

  @AfterAll
  static void stopSystem() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void makesEveryCorruptionAtEverySeverityOnce() {
    for (ImageSample sample :
        List.of(
            image("grey", 1, 28, 28, 1), image("rgb", 3, 32, 32, 2), image("big", 3, 40, 40, 3))) {
      List<CorruptedSample> outputs = new CorruptionFlow(ALL).corrupt(sample);
      assertEquals(Corruptions.names().size() * 5, outputs.size());
      Set<String> coordinates = new HashSet<>();
      for (CorruptedSample out : outputs) {
        coordinates.add(out.getCorruption() + "/" + out.getSeverity());
        assertEquals(sample.getId(), out.getSourceId());
        assertEquals(sample.getLabel(), out.getLabel());
        assertEquals(sample.getClasses(), out.getClasses());
      }
      assertEquals(outputs.size(), coordinates.size(), "a (corruption, severity) made twice");
    }
  }

  @Test
  void outputsArePixelsOfTheInputsShape() {
    for (ImageSample sample :
        List.of(
            image("grey", 1, 28, 28, 1), image("rgb", 3, 32, 32, 2), image("big", 3, 40, 40, 3))) {
      for (CorruptedSample out : new CorruptionFlow(ALL).corrupt(sample)) {
        String what = out.getCorruption() + "/" + out.getSeverity() + " of " + sample.getId();
        assertEquals(sample.getImage().getShape(), out.getImage().getShape(), what);
        for (float v : Tensors.floats(out.getImage())) {
          assertTrue(v >= 0f && v <= 1f, what + " has pixel " + v);
        }
      }
    }
  }

  @Test
  void sameSeedGivesIdenticalBytesWhateverTheOrderOrInstance() {
    ImageSample a = image("test-1", 1, 28, 28, 4);
    ImageSample b = image("test-2", 1, 28, 28, 5);
    CorruptionFlow first = new CorruptionFlow(ALL);
    CorruptionFlow second = new CorruptionFlow(ALL.withParallelism(7));
    List<CorruptedSample> aFirst = first.corrupt(a);
    second.corrupt(b);
    List<CorruptedSample> aAfterB = second.corrupt(a);
    for (int i = 0; i < aFirst.size(); i++) {
      assertArrayEquals(
          CODEC.encode(aFirst.get(i)), CODEC.encode(aAfterB.get(i)), aFirst.get(i).getCorruption());
    }
  }

  @Test
  void storedSeedReproducesTheImage() {
    ImageSample sample = image("test-9", 1, 28, 28, 6);
    float[] clean = Tensors.floats(sample.getImage());
    for (CorruptedSample out : new CorruptionFlow(ALL).corrupt(sample)) {
      float[] again = new float[clean.length];
      Corruptions.byName(out.getCorruption(), ConstantSet.CIFAR)
          .apply(
              clean,
              0,
              again,
              0,
              1,
              28,
              28,
              out.getSeverity(),
              new SplittableRandom(out.getSeed()));
      assertArrayEquals(
          again, Tensors.floats(out.getImage()), out.getCorruption() + "/" + out.getSeverity());
    }
  }

  @Test
  void differentSampleIdsGetDifferentNoise() {
    CorruptionFlow flow =
        new CorruptionFlow(
            ALL.withCorruptions(List.of("gaussian_noise")).withSeverities(List.of(3)));
    ImageSample one = image("test-1", 1, 28, 28, 7);
    ImageSample other = withId(one, "test-2"); // same pixels
    CorruptedSample a = flow.corrupt(one).get(0);
    CorruptedSample b = flow.corrupt(other).get(0);
    assertFalse(a.getSeed() == b.getSeed());
    assertFalse(
        java.util.Arrays.equals(Tensors.floats(a.getImage()), Tensors.floats(b.getImage())));
  }

  @Test
  void anotherRunSeedGivesOtherNoise() {
    ImageSample sample = image("test-1", 1, 28, 28, 8);
    CorruptionFlow seed0 =
        new CorruptionFlow(ALL.withCorruptions(List.of("shot_noise")).withSeverities(List.of(2)));
    CorruptionFlow seed1 =
        new CorruptionFlow(
            ALL.withCorruptions(List.of("shot_noise")).withSeverities(List.of(2)).withSeed(1));
    assertFalse(
        java.util.Arrays.equals(
            Tensors.floats(seed0.corrupt(sample).get(0).getImage()),
            Tensors.floats(seed1.corrupt(sample).get(0).getImage())));
  }

  @Test
  void gaussianNoiseAtSeverityFiveChangesTheImageMoreThanAtOne() {
    ImageSample sample = image("test-3", 1, 28, 28, 9);
    List<CorruptedSample> outputs =
        new CorruptionFlow(
                ALL.withCorruptions(List.of("gaussian_noise")).withSeverities(List.of(1, 5)))
            .corrupt(sample);
    double mild = meanAbsDiff(sample, outputs.get(0));
    double severe = meanAbsDiff(sample, outputs.get(1));
    assertEquals(1, outputs.get(0).getSeverity());
    assertTrue(mild > 0, "severity 1 left the image unchanged");
    assertTrue(severe > mild, "severity 5 diff " + severe + " <= severity 1 diff " + mild);
  }

  @Test
  void rejectsAnImageThatIsNotChannelsHeightWidth() {
    ImageSample flat = image("test-flat", 1, 28, 28, 10);
    flat.setImage(Tensors.of(new float[784], 28, 28));
    assertThrows(IllegalArgumentException.class, () -> new CorruptionFlow(ALL).corrupt(flat));
  }

  @Test
  void flowGivesTheFunctionsResultsInInputOrder() throws Exception {
    CorruptSettings settings =
        ALL.withCorruptions(List.of("gaussian_noise", "pixelate"))
            .withSeverities(List.of(1, 4))
            .withParallelism(3);
    List<ImageSample> samples = new java.util.ArrayList<>();
    for (int i = 0; i < 12; i++) {
      samples.add(image("test-" + i, 1, 28, 28, 100 + i));
    }
    List<List<CorruptedSample>> streamed =
        Source.from(samples)
            .via(CorruptionFlow.create(settings, system))
            .runWith(Sink.seq(), system)
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    CorruptionFlow plain = new CorruptionFlow(settings);
    assertEquals(samples.size(), streamed.size());
    for (int i = 0; i < samples.size(); i++) {
      assertEquals(plain.corrupt(samples.get(i)), streamed.get(i));
    }
    StreamTestKit.assertAllStagesStopped(system);
  }

  @Test
  void idHashIsFnv1a() {
    // FNV-1a 64 test vectors (Fowler, Noll, Vo): "" and "a"
    assertEquals(0xCBF29CE484222325L, CorruptionFlow.idHash(""));
    assertEquals(0xAF63DC4C8601EC8CL, CorruptionFlow.idHash("a"));
  }

  static double meanAbsDiff(ImageSample clean, CorruptedSample corrupted) {
    float[] x = Tensors.floats(clean.getImage());
    float[] y = Tensors.floats(corrupted.getImage());
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      sum += Math.abs(x[i] - y[i]);
    }
    return sum / x.length;
  }

  /** A test image of random pixels in [0.1, 0.9] (little clipping), label 3 of 10. */
  static ImageSample image(String id, int channels, int height, int width, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] pixels = new float[channels * height * width];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) (0.1 + 0.8 * random.nextDouble());
    }
    return ImageSample.newBuilder()
        .setId(id)
        .setSplit(Split.TEST)
        .setLabel(3)
        .setClasses(10)
        .setImage(Tensors.of(pixels, channels, height, width))
        .setDataset("test")
        .build();
  }

  static ImageSample withId(ImageSample sample, String id) {
    return ImageSample.newBuilder(sample).setId(id).build();
  }
}
