package io.igdstream.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ModelExport}: the exported file is plain safetensors with PyTorch's state_dict names,
 * order, shapes and values (BatchNorm's {@code num_batches_tracked} added), the sidecar describes
 * the module, and, where a python3 with torch exists, the PyTorch module loads the file with {@code
 * strict=True} and gives the DJL model's inference-mode logits.
 */
class ModelExportTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ModelSpec MNIST_LIKE = new ModelSpec(1, 28, 28, 10);
  private static final ModelSpec CIFAR_LIKE = new ModelSpec(3, 32, 32, 10);
  private static final List<String> CLASS_NAMES =
      List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine");

  /** Largest |DJL logit − PyTorch logit| accepted. */
  private static final double LOGIT_TOLERANCE = 1e-4;

  @TempDir Path dir;

  // --- helpers ---------------------------------------------------------------------------------

  /**
   * Seeded random weights that make logits O(1) for inputs in [0, 1]: weights U(±√(3·gain/fan_in))
   * (variance gain/fan_in: 2 is He's for ReLU nets; residual nets need less), biases and BatchNorm
   * β U(±0.2), γ U(0.5, 1.5), running means U(±0.1) and running variances U(0.5, 1.5). Loaded into
   * {@code model}; returns what was loaded.
   */
  static LinkedHashMap<String, TensorData> perturb(Classifier model, double gain, long seed) {
    Random random = new Random(seed);
    LinkedHashMap<String, TensorData> state = new LinkedHashMap<>();
    model
        .stateDict()
        .forEach(
            (name, t) -> {
              long[] shape = t.shape();
              float[] v = new float[Math.toIntExact(t.elementCount())];
              for (int i = 0; i < v.length; i++) {
                double u = random.nextDouble() * 2 - 1; // U(-1, 1)
                if (name.endsWith("running_var")) {
                  v[i] = (float) (1 + 0.5 * u);
                } else if (name.endsWith("running_mean")) {
                  v[i] = (float) (0.1 * u);
                } else if (shape.length == 1 && isBatchNorm(name, model)) {
                  v[i] = (float) (name.endsWith(".weight") ? 1 + 0.5 * u : 0.2 * u);
                } else if (shape.length == 1) {
                  v[i] = (float) (0.2 * u);
                } else {
                  long fanIn = t.elementCount() / shape[0];
                  v[i] = (float) (Math.sqrt(3.0 * gain / fanIn) * u);
                }
              }
              state.put(name, TensorData.ofFloats(shape, v));
            });
    model.loadStateDict(state);
    return state;
  }

  private static boolean isBatchNorm(String name, Classifier model) {
    String prefix = name.substring(0, name.lastIndexOf('.'));
    return model.pytorchParameters().containsKey(prefix + ".running_var");
  }

  static Checkpoint checkpointOf(Classifier model, Map<String, String> extra) {
    Map<String, String> meta = new LinkedHashMap<>(model.describe());
    try {
      meta.put("class_names", JSON.writeValueAsString(CLASS_NAMES));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    meta.putAll(extra);
    return new Checkpoint(meta, model.stateDict(), new LinkedHashMap<>());
  }

  static float[] randomPixels(int count, long seed) {
    Random random = new Random(seed);
    float[] x = new float[count];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextFloat();
    }
    return x;
  }

  /** Inference-mode (training = false) logits, (n × classes) row-major. */
  static float[] logits(Classifier model, float[] pixels, int n) {
    try (NDManager scope = model.manager().newSubManager()) {
      NDArray x = model.images(scope, pixels, n);
      return model.logits(x, false).toFloatArray();
    }
  }

  private static long[] shapeOf(ModelSpec spec, int n) {
    return new long[] {n, spec.channels(), spec.height(), spec.width()};
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    assertEquals(a.length, b.length, "logit counts differ");
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs((double) a[i] - b[i]));
    }
    return max;
  }

  private static double maxAbs(float[] a) {
    double max = 0;
    for (float v : a) {
      max = Math.max(max, Math.abs(v));
    }
    return max;
  }

  /**
   * The state_dict of the PyTorch PreActResNet18 (see src/test/python), derived from its
   * definition.
   */
  private static LinkedHashMap<String, long[]> pytorchPreActResNet18State(
      int channels, int classes) {
    LinkedHashMap<String, long[]> state = new LinkedHashMap<>();
    state.put("conv1.weight", new long[] {64, channels, 3, 3});
    int[] planes = {64, 128, 256, 512};
    int in = 64;
    for (int l = 0; l < 4; l++) {
      for (int b = 0; b < 2; b++) {
        String p = "layer" + (l + 1) + "." + b + ".";
        int out = planes[l];
        putBatchNorm(state, p + "bn1.", in);
        state.put(p + "conv1.weight", new long[] {out, in, 3, 3});
        putBatchNorm(state, p + "bn2.", out);
        state.put(p + "conv2.weight", new long[] {out, out, 3, 3});
        if (in != out) { // the first block of layers 2..4 (stride 2, more planes)
          state.put(p + "shortcut.0.weight", new long[] {out, in, 1, 1});
        }
        in = out;
      }
    }
    putBatchNorm(state, "bn.", 512);
    state.put("linear.weight", new long[] {classes, 512});
    state.put("linear.bias", new long[] {classes});
    return state;
  }

  private static void putBatchNorm(Map<String, long[]> state, String prefix, int channels) {
    for (String s : List.of("weight", "bias", "running_mean", "running_var")) {
      state.put(prefix + s, new long[] {channels});
    }
    state.put(prefix + "num_batches_tracked", new long[0]);
  }

  // --- small-cnn -------------------------------------------------------------------------------

  @Test
  void smallCnnExportHasTheSequentialNamesShapesAndTheModelsValues() {
    try (Classifier model = Classifier.create(Architecture.SMALL_CNN, MNIST_LIKE, 3)) {
      LinkedHashMap<String, TensorData> loaded = perturb(model, 2, 11);
      Path file = dir.resolve("small.safetensors");

      ModelExport.export(checkpointOf(model, Map.of()), file);

      SafetensorsFile exported = Safetensors.read(file);
      assertEquals(
          List.of(
              "0.weight",
              "0.bias",
              "3.weight",
              "3.bias",
              "7.weight",
              "7.bias",
              "9.weight",
              "9.bias"),
          List.copyOf(exported.tensors().keySet()));
      List<long[]> shapes =
          List.of(
              new long[] {32, 1, 3, 3},
              new long[] {32},
              new long[] {64, 32, 3, 3},
              new long[] {64},
              new long[] {128, 3136},
              new long[] {128},
              new long[] {10, 128},
              new long[] {10});
      int i = 0;
      for (Map.Entry<String, TensorData> e : exported.tensors().entrySet()) {
        TensorData t = e.getValue();
        assertEquals("F32", t.dtype(), e.getKey());
        assertArrayEquals(shapes.get(i++), t.shape(), e.getKey());
        assertArrayEquals(loaded.get(e.getKey()).toFloats(), t.toFloats(), e.getKey());
      }
      assertEquals("small-cnn", exported.metadata().get("architecture"));
      assertEquals("pt", exported.metadata().get("format"));
    }
  }

  @Test
  void sidecarDescribesTheModuleAndItsInputs() throws IOException {
    try (Classifier model = Classifier.create(Architecture.SMALL_CNN, MNIST_LIKE, 3)) {
      Path file = dir.resolve("small.safetensors");

      Path sidecar =
          ModelExport.export(
              checkpointOf(model, Map.of("dataset", "fashion-mnist", "method", "pgdat")), file);

      assertEquals(dir.resolve("small.safetensors.json"), sidecar);
      JsonNode json = JSON.readTree(sidecar.toFile());
      assertEquals("small-cnn", json.get("architecture").asText());
      assertEquals(List.of(1, 28, 28), JSON.convertValue(json.get("input_shape"), List.class));
      assertEquals(10, json.get("classes").asInt());
      assertEquals(CLASS_NAMES, JSON.convertValue(json.get("class_names"), List.class));
      assertEquals("none", json.get("normalization").asText());
      assertEquals(List.of(0.0, 1.0), JSON.convertValue(json.get("input_range"), List.class));
      assertEquals("fashion-mnist", json.get("dataset").asText());
      assertEquals("pgdat", json.get("method").asText());
      assertEquals("small.safetensors", json.get("weights").asText());
    }
  }

  @Test
  void exportOfAFileWithoutArchitectureNamesTheMissingKey() {
    LinkedHashMap<String, TensorData> model = new LinkedHashMap<>();
    model.put("0.weight", TensorData.ofFloats(new long[] {1}, new float[] {1}));
    Checkpoint noArchitecture =
        new Checkpoint(Map.of("classes", "10"), model, new LinkedHashMap<>());

    CheckpointException e =
        assertThrows(
            CheckpointException.class,
            () -> ModelExport.export(noArchitecture, dir.resolve("x.safetensors")));
    assertTrue(e.getMessage().contains("'architecture'"), e.getMessage());
  }

  @Test
  void smallCnnExportGivesTheSameLogitsInPyTorch() {
    assumeTrue(PythonTorch.python().isPresent(), PythonTorch.unavailableReason());
    int n = 4;
    try (Classifier model = Classifier.create(Architecture.SMALL_CNN, MNIST_LIKE, 5)) {
      perturb(model, 2, 21);
      Path weights = dir.resolve("small.safetensors");
      ModelExport.export(checkpointOf(model, Map.of()), weights);
      float[] pixels = randomPixels(n * MNIST_LIKE.imageSize(), 99);
      Path input = dir.resolve("input.safetensors");
      Path output = dir.resolve("logits.safetensors");
      Safetensors.write(
          input, Map.of("x", TensorData.ofFloats(shapeOf(MNIST_LIKE, n), pixels)), Map.of());

      PythonTorch.run(
          PythonTorch.script("small_cnn_logits.py"),
          weights.toString(),
          input.toString(),
          output.toString());

      float[] expected = logits(model, pixels, n);
      TensorData torch = Safetensors.read(output).tensor("logits");
      assertArrayEquals(new long[] {n, 10}, torch.shape());
      assertTrue(maxAbs(expected) > 0.5, "logits too small to compare: " + maxAbs(expected));
      double diff = maxAbsDiff(expected, torch.toFloats());
      assertTrue(diff <= LOGIT_TOLERANCE, "max |DJL - PyTorch| logit = " + diff);
    }
  }

  // --- preact-resnet18 -------------------------------------------------------------------------

  @Test
  void preActResNet18ExportHasPyTorchsStateDictWithNumBatchesTracked() {
    try (Classifier model = Classifier.create(Architecture.PREACT_RESNET18, CIFAR_LIKE, 3)) {
      LinkedHashMap<String, TensorData> loaded = perturb(model, 1.5, 12);
      Path file = dir.resolve("resnet.safetensors");

      ModelExport.export(checkpointOf(model, Map.of()), file);

      SafetensorsFile exported = Safetensors.read(file);
      LinkedHashMap<String, long[]> expected = pytorchPreActResNet18State(3, 10);
      assertEquals(List.copyOf(expected.keySet()), List.copyOf(exported.tensors().keySet()));
      int batchNorms = 0;
      for (Map.Entry<String, TensorData> e : exported.tensors().entrySet()) {
        String name = e.getKey();
        TensorData t = e.getValue();
        assertArrayEquals(expected.get(name), t.shape(), name);
        if (name.endsWith(".num_batches_tracked")) {
          batchNorms++;
          assertEquals("I64", t.dtype(), name);
          assertEquals(0, t.rank(), name + " must be a scalar");
          assertArrayEquals(new long[] {0}, t.toLongs(), name);
        } else {
          assertEquals("F32", t.dtype(), name);
          assertArrayEquals(loaded.get(name).toFloats(), t.toFloats(), name);
        }
      }
      assertEquals(17, batchNorms); // 8 blocks × (bn1, bn2) + the final bn
      assertEquals(107, exported.tensors().size());
    }
  }

  @Test
  void preActResNet18ExportLoadsStrictlyInPyTorchAndGivesTheSameLogits() throws IOException {
    assumeTrue(PythonTorch.python().isPresent(), PythonTorch.unavailableReason());
    int n = 3;
    try (Classifier model = Classifier.create(Architecture.PREACT_RESNET18, CIFAR_LIKE, 5)) {
      perturb(model, 1.5, 22);
      Path weights = dir.resolve("resnet.safetensors");
      ModelExport.export(checkpointOf(model, Map.of()), weights);
      float[] pixels = randomPixels(n * CIFAR_LIKE.imageSize(), 98);
      Path input = dir.resolve("input.safetensors");
      Path output = dir.resolve("logits.safetensors");
      Safetensors.write(
          input, Map.of("x", TensorData.ofFloats(shapeOf(CIFAR_LIKE, n), pixels)), Map.of());
      Path script = dir.resolve("preact_export_logits.py");
      Files.writeString(
          script,
          """
          import sys
          sys.path.insert(0, sys.argv[1])
          import torch
          import safetensors_torch as st
          from preact_resnet18_logits import PreActResNet18

          weights, _ = st.load(sys.argv[2])
          inputs, _ = st.load(sys.argv[3])
          x = inputs["x"].float()
          model = PreActResNet18(weights["linear.bias"].shape[0], x.shape[1])
          model.load_state_dict(weights, strict=True)
          model.eval()
          with torch.no_grad():
              logits = model(x)
          st.save(sys.argv[4], {"logits": logits.contiguous()})
          print("\\n".join(model.state_dict().keys()))
          """);

      String stdout =
          PythonTorch.run(
              script,
              PythonTorch.SCRIPTS.toAbsolutePath().toString(),
              weights.toString(),
              input.toString(),
              output.toString());

      List<String> torchNames = new ArrayList<>(List.of(stdout.strip().split("\n")));
      assertEquals(torchNames, List.copyOf(Safetensors.read(weights).tensors().keySet()));
      float[] expected = logits(model, pixels, n);
      TensorData torch = Safetensors.read(output).tensor("logits");
      assertArrayEquals(new long[] {n, 10}, torch.shape());
      assertTrue(maxAbs(expected) > 0.5, "logits too small to compare: " + maxAbs(expected));
      double diff = maxAbsDiff(expected, torch.toFloats());
      assertTrue(diff <= LOGIT_TOLERANCE, "max |DJL - PyTorch| logit = " + diff);
    }
  }
}
