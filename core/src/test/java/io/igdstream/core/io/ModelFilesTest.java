package io.igdstream.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.igdstream.core.io.ModelFiles.InputShape;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.ModelSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ModelFiles}: igd-stream's own files, exported files and plain PyTorch state_dicts are read
 * into the same {@link Checkpoint}; export → read → export is byte-identical; every wrong file is a
 * {@link CheckpointException} with a one-line message naming the problem.
 */
class ModelFilesTest {

  private static final ModelSpec MNIST_LIKE = new ModelSpec(1, 28, 28, 10);
  private static final ModelSpec SMALL_RGB = new ModelSpec(3, 16, 16, 4);

  @TempDir Path dir;

  /** A perturbed small-cnn's plain state_dict (no metadata, no sidecar) in {@code file}. */
  private static LinkedHashMap<String, TensorData> plainSmallCnn(Path file, ModelSpec spec) {
    try (Classifier model = Classifier.create(Architecture.SMALL_CNN, spec, 1)) {
      LinkedHashMap<String, TensorData> state = ModelExportTest.perturb(model, 2, 7);
      Safetensors.write(file, state, Map.of());
      return state;
    }
  }

  private CheckpointException readFails(Path file, Optional<String> hint) {
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> ModelFiles.read(file, hint));
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    assertTrue(e.getMessage().startsWith(file.toString()), "names the file: " + e.getMessage());
    return e;
  }

  private static void assertContains(String message, String... parts) {
    for (String p : parts) {
      assertTrue(message.contains(p), "'" + p + "' missing in: " + message);
    }
  }

  // --- accepted files ------------------------------------------------------------------------

  @Test
  void exportThenReadThenExportIsByteIdenticalForBothArchitectures() throws IOException {
    for (Architecture a : Architecture.values()) {
      ModelSpec spec = a == Architecture.SMALL_CNN ? MNIST_LIKE : new ModelSpec(3, 32, 32, 10);
      Path first = Files.createDirectories(dir.resolve(a.id() + "-1")).resolve("m.safetensors");
      Path second = Files.createDirectories(dir.resolve(a.id() + "-2")).resolve("m.safetensors");
      try (Classifier model = Classifier.create(a, spec, 3)) {
        ModelExportTest.perturb(model, 1.5, 5);
        ModelExport.export(
            ModelExportTest.checkpointOf(model, Map.of("dataset", "toy", "method", "igd")), first);
      }

      Checkpoint read = ModelFiles.read(first, Optional.empty());
      ModelExport.export(read, second);

      assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(second), a.id());
      Path sidecar1 = first.resolveSibling("m.safetensors.json");
      Path sidecar2 = second.resolveSibling("m.safetensors.json");
      assertEquals(Files.readString(sidecar1), Files.readString(sidecar2), a.id());
      assertEquals(a.id(), read.require("architecture"));
      assertContains(read.require(ModelFiles.SOURCE_KEY), "sidecar m.safetensors.json");
      assertTrue(read.optimizer().isEmpty());
    }
  }

  @Test
  void aPlainStateDictGivesTheSameWeightsAndLogitsAsTheModelItCameFrom() {
    Path file = dir.resolve("plain.safetensors");
    float[] pixels = ModelExportTest.randomPixels(3 * MNIST_LIKE.imageSize(), 4);
    float[] expected;
    try (Classifier model = Classifier.create(Architecture.SMALL_CNN, MNIST_LIKE, 1)) {
      Safetensors.write(file, ModelExportTest.perturb(model, 2, 7), Map.of());
      expected = ModelExportTest.logits(model, pixels, 3);
    }

    Checkpoint read = ModelFiles.read(file, Optional.empty());

    assertEquals("small-cnn", read.require("architecture"));
    assertEquals(
        List.of(1L, 28L, 28L, 10L),
        List.of(
            read.requireLong("channels"),
            read.requireLong("height"),
            read.requireLong("width"),
            read.requireLong("classes")));
    assertContains(read.require(ModelFiles.SOURCE_KEY), "tensor names");
    try (Classifier loaded = Classifier.load(read)) {
      assertArrayEquals(expected, ModelExportTest.logits(loaded, pixels, 3));
    }
  }

  @Test
  void anExportedFileWithoutItsSidecarIsReadFromItsMetadataAndTensorShapes() throws IOException {
    Path file = dir.resolve("m.safetensors");
    try (Classifier model = Classifier.create(Architecture.SMALL_CNN, SMALL_RGB, 3)) {
      ModelExport.export(ModelExportTest.checkpointOf(model, Map.of()), file);
    }
    Files.delete(file.resolveSibling("m.safetensors.json"));

    Checkpoint read = ModelFiles.read(file, Optional.empty());

    assertContains(read.require(ModelFiles.SOURCE_KEY), "file metadata");
    assertEquals(3, read.requireLong("channels"));
    assertEquals(16, read.requireLong("height"));
    assertEquals(4, read.requireLong("classes"));
    assertFalse(read.model().containsKey("0.num_batches_tracked"));
  }

  @Test
  void theShapeHintGivesTheSizeOfNonSquareSmallCnnInputsAndOfPreActResNetInputs() {
    Path file = dir.resolve("wide.safetensors");
    plainSmallCnn(file, new ModelSpec(1, 8, 16, 3));

    assertThrows(CheckpointException.class, () -> ModelFiles.read(file, Optional.empty()));
    Checkpoint read =
        ModelFiles.read(file, Optional.empty(), Optional.of(new InputShape(1, 8, 16)));
    assertEquals(8, read.requireLong("height"));
    assertEquals(16, read.requireLong("width"));

    Path resnet = dir.resolve("resnet.safetensors");
    try (Classifier model =
        Classifier.create(Architecture.PREACT_RESNET18, new ModelSpec(3, 32, 32, 10), 1)) {
      Safetensors.write(resnet, model.stateDict(), Map.of());
    }
    Checkpoint byDefault = ModelFiles.read(resnet, Optional.empty());
    assertEquals(32, byDefault.requireLong("height"));
    Checkpoint hinted =
        ModelFiles.read(
            resnet, Optional.of("preact-resnet18"), Optional.of(new InputShape(3, 24, 24)));
    assertEquals(24, hinted.requireLong("width"));
    assertContains(hinted.require(ModelFiles.SOURCE_KEY), "--model");
  }

  @Test
  void halfAndBfloat16WeightsBecomeTheFloatsTheyEncode() {
    Path file = dir.resolve("plain.safetensors");
    LinkedHashMap<String, TensorData> state = plainSmallCnn(file, MNIST_LIKE);
    for (String dtype : List.of("F16", "BF16")) {
      LinkedHashMap<String, TensorData> narrow = new LinkedHashMap<>();
      state.forEach((n, t) -> narrow.put(n, narrow(t, dtype)));
      Path f = dir.resolve(dtype + ".safetensors");
      Safetensors.write(f, narrow, Map.of());

      Checkpoint read = ModelFiles.read(f, Optional.empty());

      for (var e : narrow.entrySet()) {
        TensorData got = read.model().get(e.getKey());
        assertEquals("F32", got.dtype());
        assertArrayEquals(e.getValue().toFloats(), got.toFloats(), dtype + " " + e.getKey());
        // and the rounding is that of the format: within half an ulp of the float32 value
        float[] original = state.get(e.getKey()).toFloats();
        float[] rounded = got.toFloats();
        double relative = dtype.equals("F16") ? 0x1p-11 : 0x1p-8;
        for (int i = 0; i < original.length; i++) {
          assertTrue(
              Math.abs(original[i] - rounded[i]) <= Math.abs(original[i]) * relative + 1e-7,
              dtype + " " + e.getKey() + "[" + i + "]: " + original[i] + " vs " + rounded[i]);
        }
      }
    }
  }

  @Test
  void igdStreamsOwnFilesReadAsCheckpointReadReadsThem() {
    Path file = dir.resolve("model.safetensors");
    try (Classifier model = Classifier.create(Architecture.SMALL_CNN, MNIST_LIKE, 2)) {
      model.toModelFile(Map.of("method", "nat")).write(file);
    }

    Checkpoint read = ModelFiles.read(file, Optional.of("small-cnn"));

    Checkpoint plain = Checkpoint.read(file);
    assertEquals(plain.metadata(), read.metadata());
    assertEquals(plain.model(), read.model());
  }

  @Test
  void theCheckNamesBothShapesAndClassCounts() {
    Path file = dir.resolve("plain.safetensors");
    plainSmallCnn(file, MNIST_LIKE);
    Checkpoint read = ModelFiles.read(file, Optional.empty());

    ModelFiles.check(read, "m", new InputShape(1, 28, 28), 10); // fits: no exception
    CheckpointException e =
        assertThrows(
            CheckpointException.class,
            () -> ModelFiles.check(read, "m.safetensors", new InputShape(3, 32, 32), 10));
    assertEquals(
        "m.safetensors: the model takes 1x28x28 images and has 10 classes, the dataset has 3x32x32"
            + " images and 10 classes",
        e.getMessage());
    assertThrows(
        CheckpointException.class, () -> ModelFiles.check(read, "m", new InputShape(1, 28, 28), 3));
  }

  // --- wrong files -----------------------------------------------------------------------------

  @Test
  void aFileThatIsNotSafetensorsIsRejected() throws IOException {
    Path file = dir.resolve("weights.pt");
    Files.write(file, "PK\u0003\u0004 a torch.save zip archive".getBytes());

    assertContains(readFails(file, Optional.empty()).getMessage(), "not a safetensors file");
  }

  @Test
  void aMissingTensorIsNamed() {
    Path file = dir.resolve("plain.safetensors");
    LinkedHashMap<String, TensorData> state = plainSmallCnn(file, MNIST_LIKE);
    state.remove("3.bias");
    Safetensors.write(file, state, Map.of());

    assertEquals(
        file + ": missing tensor '3.bias' of small-cnn",
        readFails(file, Optional.empty()).getMessage());
  }

  @Test
  void anExtraTensorIsNamed() {
    Path file = dir.resolve("plain.safetensors");
    LinkedHashMap<String, TensorData> state = plainSmallCnn(file, MNIST_LIKE);
    state.put("10.weight", TensorData.ofFloats(new long[] {2}, new float[] {1, 2}));
    Safetensors.write(file, state, Map.of());

    assertEquals(
        file + ": unexpected tensor '10.weight' for small-cnn",
        readFails(file, Optional.empty()).getMessage());
  }

  @Test
  void aShapeMismatchNamesTheTensorAndBothShapes() {
    Path file = dir.resolve("plain.safetensors");
    LinkedHashMap<String, TensorData> state = plainSmallCnn(file, MNIST_LIKE);
    state.put("3.bias", TensorData.ofFloats(new long[] {63}, new float[63]));
    Safetensors.write(file, state, Map.of());

    assertContains(
        readFails(file, Optional.empty()).getMessage(),
        "tensor '3.bias' has shape [63], expected [64]");
  }

  @Test
  void aSidecarThatDisagreesWithTheTensorsIsAShapeMismatch() throws IOException {
    Path file = dir.resolve("m.safetensors");
    try (Classifier model = Classifier.create(Architecture.SMALL_CNN, MNIST_LIKE, 3)) {
      ModelExport.export(ModelExportTest.checkpointOf(model, Map.of()), file);
    }
    Path sidecar = file.resolveSibling("m.safetensors.json");
    Files.writeString(
        sidecar, Files.readString(sidecar).replace("\"classes\" : 10", "\"classes\" : 7"));

    assertContains(
        readFails(file, Optional.empty()).getMessage(),
        "tensor '9.weight' has shape [10, 128], expected [7, 128]");
  }

  @Test
  void aDtypeThatCannotBeReadAsWeightsIsNamed() {
    Path file = dir.resolve("plain.safetensors");
    LinkedHashMap<String, TensorData> state = plainSmallCnn(file, MNIST_LIKE);
    state.put("0.bias", TensorData.ofInts(new long[] {32}, new int[32]));
    Safetensors.write(file, state, Map.of());
    assertContains(
        readFails(file, Optional.empty()).getMessage(),
        "tensor '0.bias' has dtype I32, which cannot be read as weights");

    state.put("0.bias", new TensorData("F8_E4M3", new long[] {32}, new byte[32]));
    Safetensors.write(file, state, Map.of());
    assertContains(readFails(file, Optional.empty()).getMessage(), "'0.bias' has dtype F8_E4M3");
  }

  @Test
  void nanAndInfinityInTheWeightsAreRejected() {
    Path file = dir.resolve("plain.safetensors");
    LinkedHashMap<String, TensorData> state = plainSmallCnn(file, MNIST_LIKE);
    float[] bias = state.get("7.bias").toFloats();
    bias[5] = Float.NaN;
    state.put("7.bias", TensorData.ofFloats(new long[] {128}, bias));
    Safetensors.write(file, state, Map.of());
    assertEquals(
        file + ": tensor '7.bias' holds 1 non-finite value (first: NaN at flat index 5)",
        readFails(file, Optional.empty()).getMessage());

    bias[5] = 0;
    bias[9] = Float.POSITIVE_INFINITY;
    bias[10] = Float.NEGATIVE_INFINITY;
    state.put("7.bias", narrow(TensorData.ofFloats(new long[] {128}, bias), "F16"));
    Safetensors.write(file, state, Map.of());
    assertEquals(
        file + ": tensor '7.bias' holds 2 non-finite values (first: Infinity at flat index 9)",
        readFails(file, Optional.empty()).getMessage());
  }

  @Test
  void nanInIgdStreamsOwnFileIsRejectedToo() {
    Path file = dir.resolve("model.safetensors");
    try (Classifier model = Classifier.create(Architecture.SMALL_CNN, MNIST_LIKE, 2)) {
      Checkpoint c = model.toModelFile(Map.of());
      float[] w = c.model().get("9.bias").toFloats();
      w[0] = Float.NaN;
      c.model().put("9.bias", TensorData.ofFloats(new long[] {10}, w));
      c.write(file);
    }
    assertContains(readFails(file, Optional.empty()).getMessage(), "'9.bias' holds 1 non-finite");
  }

  @Test
  void aModelHintThatContradictsTheFileIsRejectedAndUnknownNamesAreListed() throws IOException {
    Path file = dir.resolve("m.safetensors");
    try (Classifier model = Classifier.create(Architecture.SMALL_CNN, MNIST_LIKE, 3)) {
      ModelExport.export(ModelExportTest.checkpointOf(model, Map.of()), file);
    }
    assertEquals(
        file
            + ": holds a small-cnn model (per its sidecar m.safetensors.json), but --model is"
            + " preact-resnet18",
        readFails(file, Optional.of("preact-resnet18")).getMessage());

    Path plain = dir.resolve("plain.safetensors");
    plainSmallCnn(plain, MNIST_LIKE);
    assertContains(
        readFails(plain, Optional.of("preact-resnet18")).getMessage(),
        "missing tensors [conv1.weight, layer1.0.bn1.weight");
    assertContains(
        readFails(plain, Optional.of("resnet50")).getMessage(), "unknown model 'resnet50'");

    Path other = dir.resolve("other.safetensors");
    Safetensors.write(
        other, Map.of("fc.weight", TensorData.ofFloats(new long[] {1}, new float[] {1})), Map.of());
    assertContains(
        readFails(other, Optional.empty()).getMessage(),
        "cannot tell the model from its tensor names ([fc.weight])");
  }

  /** {@code t} (F32) rounded to F16 or BF16, round to nearest even. */
  static TensorData narrow(TensorData t, String dtype) {
    float[] f = t.toFloats();
    ByteBuffer b = ByteBuffer.allocate(2 * f.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : f) {
      b.putShort(dtype.equals("F16") ? toHalf(v) : toBfloat16(v));
    }
    return new TensorData(dtype, t.shape(), b.array());
  }

  private static short toBfloat16(float v) {
    int bits = Float.floatToRawIntBits(v);
    if (Float.isNaN(v)) {
      return (short) ((bits >>> 16) | 0x40);
    }
    int rounding = 0x7fff + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }

  /** Float to IEEE binary16 via double arithmetic (normal and infinite values; tests only). */
  private static short toHalf(float v) {
    if (Float.isNaN(v)) {
      return (short) 0x7e00;
    }
    int sign = v < 0 || (v == 0 && 1 / v < 0) ? 0x8000 : 0;
    double a = Math.abs((double) v);
    if (a >= 65520) {
      return (short) (sign | 0x7c00);
    }
    if (a < 0x1p-14) { // subnormal: multiples of 2^-24
      return (short) (sign | (int) Math.rint(a / 0x1p-24));
    }
    int exp = Math.getExponent(a);
    double mant = a / Math.scalb(1.0, exp) - 1; // [0, 1)
    int m = (int) Math.rint(mant * 1024);
    if (m == 1024) {
      m = 0;
      exp++;
    }
    return (short) (sign | ((exp + 15) << 10) | m);
  }
}
