package io.igdstream.schemas;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Valid records of every type, deterministic per seed. */
final class Fixtures {

  static final int[] SHAPE = {1, 28, 28};

  private Fixtures() {}

  static float[] pixels(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextDouble();
    }
    v[0] = 0f;
    v[n - 1] = 1f;
    return v;
  }

  static float[] gradient(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextGaussian() * 3);
    }
    return v;
  }

  static Tensor image(long seed) {
    return Tensors.of(pixels(28 * 28, seed), SHAPE);
  }

  static ImageSample imageSample() {
    return ImageSample.newBuilder()
        .setId("train-000001")
        .setSplit(Split.TRAIN)
        .setLabel(3)
        .setClasses(10)
        .setImage(image(1))
        .setDataset("fashion-mnist")
        .build();
  }

  static AdversarialSample adversarialSample() {
    return AdversarialSample.newBuilder()
        .setSampleId("train-000001")
        .setEpoch(2)
        .setLabel(3)
        .setClasses(10)
        .setX(image(1))
        .setXAdv(image(2))
        .setTeacherGradient(Tensors.of(gradient(28 * 28, 3), SHAPE))
        .setSnapshotVersion(17)
        .setModelId("igd-small-cnn")
        .setAttack(
            AttackSettings.newBuilder()
                .setName("pgd")
                .setEps(0.1f)
                .setAlpha(0.01f)
                .setSteps(10)
                .setRandomStart(true)
                .build())
        .setSeed(42)
        .build();
  }

  static CorruptedSample corruptedSample() {
    return CorruptedSample.newBuilder()
        .setSourceId("test-000007")
        .setCorruption("gaussian_noise")
        .setSeverity(3)
        .setLabel(9)
        .setClasses(10)
        .setImage(image(4))
        .setSeed(7)
        .build();
  }

  static SnapshotHeader snapshotHeader() {
    return SnapshotChunks.split(new byte[] {1, 2, 3, 4, 5}, 2, info(3)).header();
  }

  static SnapshotChunk snapshotChunk() {
    return SnapshotChunks.split(new byte[] {1, 2, 3, 4, 5}, 2, info(3)).chunks().get(1);
  }

  static SnapshotInfo info(long version) {
    return new SnapshotInfo(
        "igd-small-cnn",
        version,
        "small-cnn",
        1,
        28,
        28,
        10,
        1_700_000_000_000L,
        Map.of("step", "1200"));
  }

  static RobustnessReport robustnessReport() {
    return RobustnessReport.newBuilder()
        .setModelId("igd-small-cnn")
        .setSnapshotVersion(17)
        .setArchitecture("small-cnn")
        .setMethod("igd")
        .setDataset("fashion-mnist")
        .setSamples(1000)
        .setJointCorrect(812)
        .setSeed(1)
        .setCleanAccuracy(0.91)
        .setPgd20Accuracy(0.73)
        .setPgdEps(8 / 255.0)
        .setPgdSteps(20)
        .setGiniPixel(0.62)
        .setGiniRegional(null)
        .setInaAdd(List.of(new FractionError(0.1, 0.05), new FractionError(0.2, 0.11)))
        .setInaReplace(List.of(new FractionError(0.1, 0.07)))
        .setRn(List.of())
        .setIoaGrey(0.2)
        .setIoaWhite(null)
        .setCorruptions(
            List.of(
                new CorruptionError("gaussian_noise", 1, 0.04),
                new CorruptionError("contrast", 5, 0.6)))
        .setSeconds(Map.of("clean", 1.5, "pgd20", 30.25))
        .setCreatedAtMs(1_700_000_000_000L)
        .build();
  }

  static DeadLetter deadLetter(byte[] key) {
    return DeadLetters.of(
        "fmnist.samples",
        2,
        123_456L,
        key,
        new byte[] {1, 2, 3},
        new RecordDecodingException(ReasonCode.NON_FINITE, "image[3] is NaN"),
        1_700_000_000_000L);
  }

  static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }
}
