package io.igdstream.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Checkpoint}: one safetensors file with {@code model.}/{@code optimizer.} tensors and
 * string metadata; every unusable file is a {@link CheckpointException} naming the file; {@link
 * Classifier#load} rebuilds the model or says which tensor does not fit.
 */
class CheckpointTest {

  private static final ModelSpec MNIST_LIKE = new ModelSpec(1, 28, 28, 10);

  @TempDir Path dir;

  // --- helpers ---------------------------------------------------------------------------------

  static Checkpoint sample() {
    LinkedHashMap<String, TensorData> model = new LinkedHashMap<>();
    model.put(
        "0.weight",
        TensorData.ofFloats(new long[] {2, 3}, new float[] {1, -2, 3.5f, 0, 1e-7f, -0f}));
    model.put("0.bias", TensorData.ofFloats(new long[] {2}, new float[] {0.25f, -0.75f}));
    model.put("bn.running_var", TensorData.ofDoubles(new long[] {1}, new double[] {Math.PI}));
    LinkedHashMap<String, TensorData> optimizer = new LinkedHashMap<>();
    optimizer.put(
        "0.weight.momentum",
        TensorData.ofFloats(new long[] {2, 3}, new float[] {6, 5, 4, 3, 2, 1}));
    optimizer.put("step", TensorData.ofLongs(new long[0], new long[] {42}));
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("architecture", "small-cnn");
    meta.put("step", "42");
    meta.put("note", "ünïcödé ✓");
    return new Checkpoint(meta, model, optimizer);
  }

  private Path written(Checkpoint c, String name) {
    Path file = dir.resolve(name);
    c.write(file);
    return file;
  }

  private static CheckpointException assertUnreadable(Path file, String... fragments) {
    CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.read(file));
    assertTrue(
        e.getMessage().contains(file.toString()),
        "message should name " + file + ": " + e.getMessage());
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "message should say '" + f + "': " + e.getMessage());
    }
    assertFalse(e.getMessage().contains("\n"), "message should be one line: " + e.getMessage());
    return e;
  }

  private static float[] logits(Classifier model, float[] pixels, int n) {
    try (var scope = model.manager().newSubManager()) {
      return model.logits(model.images(scope, pixels, n), false).toFloatArray();
    }
  }

  private static float[] randomPixels(int count, long seed) {
    Random random = new Random(seed);
    float[] x = new float[count];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextFloat();
    }
    return x;
  }

  // --- round trip ------------------------------------------------------------------------------

  @Test
  void writeThenReadGivesBackMetadataModelAndOptimizerTensors() {
    Checkpoint original = sample();

    Checkpoint back = Checkpoint.read(written(original, "c.safetensors"));

    Map<String, String> expectedMeta = new LinkedHashMap<>(original.metadata());
    expectedMeta.put(Checkpoint.FORMAT_KEY, Checkpoint.FORMAT);
    assertEquals(expectedMeta, back.metadata());
    assertEquals(List.copyOf(original.model().keySet()), List.copyOf(back.model().keySet()));
    assertEquals(original.model(), back.model());
    assertEquals(
        List.copyOf(original.optimizer().keySet()), List.copyOf(back.optimizer().keySet()));
    assertEquals(original.optimizer(), back.optimizer());
  }

  @Test
  void fileStoresTensorsUnderModelAndOptimizerPrefixesAndMarksItsFormat() {
    Path file = written(sample(), "c.safetensors");

    SafetensorsFile raw = Safetensors.read(file);

    assertEquals(
        List.of(
            "model.0.weight",
            "model.0.bias",
            "model.bn.running_var",
            "optimizer.0.weight.momentum",
            "optimizer.step"),
        List.copyOf(raw.tensors().keySet()));
    assertEquals(Checkpoint.FORMAT, raw.metadata().get(Checkpoint.FORMAT_KEY));
  }

  @Test
  void aModelFileWithoutOptimizerReadsBackWithAnEmptyOptimizer() {
    Checkpoint s = sample();
    Checkpoint modelOnly = new Checkpoint(s.metadata(), s.model(), new LinkedHashMap<>());

    Checkpoint back = Checkpoint.read(written(modelOnly, "m.safetensors"));

    assertTrue(back.optimizer().isEmpty());
    assertEquals(s.model(), back.model());
  }

  @Test
  void writeLeavesNoTempFileAndReplacesAnExistingFile() throws IOException {
    Path file = written(sample(), "c.safetensors");
    Map<String, String> meta = new LinkedHashMap<>(sample().metadata());
    meta.put("step", "43");
    new Checkpoint(meta, sample().model(), sample().optimizer()).write(file);

    try (var files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList());
    }
    assertEquals("43", Checkpoint.read(file).require("step"));
  }

  // --- metadata access -------------------------------------------------------------------------

  @Test
  void requireNamesTheMissingKeyAndRequireLongTheBadNumber() {
    Checkpoint c = sample();
    assertEquals(42L, c.requireLong("step"));

    CheckpointException missing =
        assertThrows(CheckpointException.class, () -> c.require("classes"));
    assertTrue(missing.getMessage().contains("'classes'"), missing.getMessage());

    CheckpointException notANumber =
        assertThrows(CheckpointException.class, () -> c.requireLong("note"));
    assertTrue(notANumber.getMessage().contains("'note'"), notANumber.getMessage());
    assertTrue(notANumber.getMessage().contains("ünïcödé"), notANumber.getMessage());
  }

  @Test
  void metadataIsAnImmutableCopy() {
    Map<String, String> meta = new LinkedHashMap<>(Map.of("a", "1"));
    Checkpoint c = new Checkpoint(meta, sample().model(), new LinkedHashMap<>());
    meta.put("a", "2");

    assertEquals("1", c.require("a"));
    assertThrows(UnsupportedOperationException.class, () -> c.metadata().put("b", "3"));
  }

  // --- unusable files --------------------------------------------------------------------------

  @Test
  void readOfASafetensorsFileWithoutTheFormatMarkIsRejected() {
    Path file = dir.resolve("plain.safetensors");
    Safetensors.write(file, sample().model(), Map.of("format", "pt"));

    assertUnreadable(file, "not an igd-stream checkpoint", "pt", Checkpoint.FORMAT);
  }

  @Test
  void readOfASafetensorsFileWithoutMetadataIsRejected() {
    Path file = dir.resolve("bare.safetensors");
    Safetensors.write(file, sample().model(), Map.of());

    assertUnreadable(file, "not an igd-stream checkpoint");
  }

  @Test
  void readOfAFileWithAnUnprefixedTensorNamesTheTensor() {
    Path file = dir.resolve("odd.safetensors");
    LinkedHashMap<String, TensorData> tensors = new LinkedHashMap<>();
    tensors.put("model.w", TensorData.ofFloats(new long[] {1}, new float[] {1}));
    tensors.put("stray", TensorData.ofFloats(new long[] {1}, new float[] {2}));
    Safetensors.write(file, tensors, Map.of(Checkpoint.FORMAT_KEY, Checkpoint.FORMAT));

    assertUnreadable(file, "unexpected tensor 'stray'");
  }

  @Test
  void readOfAFileWithoutModelTensorsIsRejected() {
    Path file = dir.resolve("empty.safetensors");
    new Checkpoint(Map.of(), new LinkedHashMap<>(), sample().optimizer()).write(file);

    assertUnreadable(file, "no model tensors");
  }

  @Test
  void readOfATruncatedFileIsRejected() throws IOException {
    Path file = written(sample(), "c.safetensors");
    byte[] whole = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(whole, whole.length - 5));

    assertUnreadable(file, "not a valid checkpoint");
  }

  @Test
  void readOfAFileCutInsideItsHeaderIsRejected() throws IOException {
    Path file = written(sample(), "c.safetensors");
    byte[] whole = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(whole, 40));

    assertUnreadable(file, "not a valid checkpoint");
  }

  @Test
  void readOfRandomBytesIsRejected() throws IOException {
    byte[] noise = new byte[4096];
    new Random(7).nextBytes(noise);
    Path file = dir.resolve("noise.safetensors");
    Files.write(file, noise);

    assertUnreadable(file, "not a valid checkpoint");
  }

  @Test
  void readOfAnEmptyFileIsRejected() throws IOException {
    Path file = Files.createFile(dir.resolve("zero.safetensors"));

    assertUnreadable(file, "not a valid checkpoint");
  }

  @Test
  void readOfAMissingFileIsRejected() {
    assertUnreadable(dir.resolve("absent.safetensors"), "cannot read");
  }

  // --- models ----------------------------------------------------------------------------------

  @Test
  void classifierLoadRebuildsAModelWithIdenticalLogits() {
    int n = 3;
    float[] pixels = randomPixels(n * MNIST_LIKE.imageSize(), 5);
    Path file = dir.resolve("model.safetensors");
    float[] expected;
    try (Classifier model = Classifier.create(Architecture.SMALL_CNN, MNIST_LIKE, 7)) {
      new Checkpoint(model.describe(), model.stateDict(), new LinkedHashMap<>()).write(file);
      expected = logits(model, pixels, n);
    }

    try (Classifier loaded = Classifier.load(Checkpoint.read(file));
        Classifier fresh = Classifier.create(Architecture.SMALL_CNN, MNIST_LIKE, 0)) {
      assertEquals(Architecture.SMALL_CNN, loaded.architecture());
      assertEquals(MNIST_LIKE, loaded.spec());
      assertArrayEquals(expected, logits(loaded, pixels, n));
      // load starts from a seed-0 model: its logits differ, so the weights really came from the
      // file
      assertFalse(Arrays.equals(expected, logits(fresh, pixels, n)));
    }
  }

  @Test
  void classifierLoadOfAMismatchedTensorShapeNamesTheTensorAndBothShapes() {
    LinkedHashMap<String, TensorData> fiveClasses;
    try (Classifier other =
        Classifier.create(Architecture.SMALL_CNN, new ModelSpec(1, 28, 28, 5), 1)) {
      fiveClasses = other.stateDict();
    }
    Map<String, String> claimsTen;
    try (Classifier model = Classifier.create(Architecture.SMALL_CNN, MNIST_LIKE, 1)) {
      claimsTen = model.describe();
    }
    Path file = dir.resolve("mismatch.safetensors");
    new Checkpoint(claimsTen, fiveClasses, new LinkedHashMap<>()).write(file);
    Checkpoint c = Checkpoint.read(file);

    CheckpointException e = assertThrows(CheckpointException.class, () -> Classifier.load(c));

    assertTrue(e.getMessage().contains("'9.weight'"), e.getMessage());
    assertTrue(e.getMessage().contains("[5, 128]"), e.getMessage());
    assertTrue(e.getMessage().contains("[10, 128]"), e.getMessage());
  }

  @Test
  void classifierLoadOfAFileLackingATensorNamesIt() {
    LinkedHashMap<String, TensorData> state;
    Map<String, String> meta;
    try (Classifier model = Classifier.create(Architecture.SMALL_CNN, MNIST_LIKE, 1)) {
      state = model.stateDict();
      meta = model.describe();
    }
    state.remove("7.bias");
    Checkpoint c = new Checkpoint(meta, state, new LinkedHashMap<>());

    CheckpointException e = assertThrows(CheckpointException.class, () -> Classifier.load(c));

    assertTrue(e.getMessage().contains("'7.bias'"), e.getMessage());
  }

  @Test
  void classifierLoadOfAnUnknownArchitectureOrMissingShapeSaysWhat() {
    LinkedHashMap<String, TensorData> state = sample().model();
    Map<String, String> meta =
        new LinkedHashMap<>(
            Map.of(
                "architecture",
                "vgg16",
                "channels",
                "1",
                "height",
                "28",
                "width",
                "28",
                "classes",
                "10"));

    CheckpointException unknown =
        assertThrows(
            CheckpointException.class,
            () -> Classifier.load(new Checkpoint(meta, state, new LinkedHashMap<>())));
    assertTrue(unknown.getMessage().contains("vgg16"), unknown.getMessage());

    meta.put("architecture", "small-cnn");
    meta.remove("classes");
    CheckpointException missing =
        assertThrows(
            CheckpointException.class,
            () -> Classifier.load(new Checkpoint(meta, state, new LinkedHashMap<>())));
    assertTrue(missing.getMessage().contains("'classes'"), missing.getMessage());
  }
}
