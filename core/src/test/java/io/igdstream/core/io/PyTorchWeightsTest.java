package io.igdstream.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.igdstream.core.TestData;
import io.igdstream.core.data.Dataset;
import io.igdstream.core.data.DatasetSplits;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.train.GradientTarget;
import io.igdstream.core.train.IgdLoss;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small-cnn defined and trained for a few steps in PyTorch (the script below, torch only: it
 * writes the safetensors bytes itself, as a user without the {@code safetensors} package would) is
 * read by {@link ModelFiles} from its plain state_dict in F32, BF16 and F16, and igd-stream's model
 * gives PyTorch's logits, clean accuracy and, as a teacher, input gradient of the true-class logit
 * ({@code torch.autograd.grad}); and PyTorch's own PreActResNet18 module's state_dict (running
 * statistics moved, {@code num_batches_tracked} included) is recognised from its names and gives
 * its logits. Skipped without a python3 that imports torch.
 */
class PyTorchWeightsTest {

  /** Largest |igd-stream − PyTorch| logit accepted (float32 both sides). */
  private static final double LOGIT_TOLERANCE = 1e-4;

  /**
   * Largest |igd-stream − PyTorch| input-gradient entry accepted. Both sides run libtorch's float32
   * kernels; entries here reach about 0.2 and the measured difference is about 1e-8 (summation
   * order), so 1e-6 leaves room for other CPUs without hiding a wrong layer.
   */
  private static final double GRADIENT_TOLERANCE = 1e-6;

  private static final int TRAIN = 256;
  private static final int TEST = 200;
  private static final int GRADIENTS = 32;

  /**
   * argv: INPUT (x_train, y_train, x_test, y_test) OUT_DIR. Trains the small-cnn (nn.Sequential, so
   * the state_dict names are igd-stream's 0.*, 3.*, 7.*, 9.*) for 24 SGD steps, writes its weights
   * as w32/wbf16/wf16.safetensors and the reference outputs as reference.safetensors; prints the
   * first and last training loss.
   */
  private static final String SCRIPT =
      """
      import json, struct, sys
      import numpy as np
      import torch
      from torch import nn

      NP = {"F32": "<f4", "I64": "<i8"}

      def load(path):
          raw = open(path, "rb").read()
          (n,) = struct.unpack("<Q", raw[:8])
          header = json.loads(raw[8:8 + n])
          header.pop("__metadata__", None)
          out = {}
          for name, info in header.items():
              b, e = info["data_offsets"]
              a = np.frombuffer(raw[8 + n + b:8 + n + e], dtype=NP[info["dtype"]]).copy()
              out[name] = torch.from_numpy(a).reshape(info["shape"])
          return out

      def save(path, tensors):
          # safetensors by hand: u64 LE header length, JSON header, raw little-endian data
          header, chunks, offset = {}, [], 0
          for name, t in tensors.items():
              t = t.detach().contiguous()
              if t.dtype == torch.bfloat16:
                  dtype, data = "BF16", t.view(torch.int16).numpy().astype("<i2").tobytes()
              elif t.dtype == torch.float16:
                  dtype, data = "F16", t.numpy().astype("<f2").tobytes()
              else:
                  dtype, data = "F32", t.float().numpy().astype("<f4").tobytes()
              header[name] = {"dtype": dtype, "shape": list(t.shape),
                              "data_offsets": [offset, offset + len(data)]}
              chunks.append(data)
              offset += len(data)
          js = json.dumps(header).encode()
          js += b" " * (-len(js) % 8)
          with open(path, "wb") as f:
              f.write(struct.pack("<Q", len(js)) + js + b"".join(chunks))

      def small_cnn(c, h, w, classes):
          return nn.Sequential(
              nn.Conv2d(c, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
              nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
              nn.Flatten(),
              nn.Linear(64 * (h // 4) * (w // 4), 128), nn.ReLU(),
              nn.Linear(128, classes))

      data = load(sys.argv[1])
      out = sys.argv[2]
      torch.manual_seed(0)
      x, y = data["x_train"], data["y_train"]
      _, c, h, w = x.shape
      model = small_cnn(c, h, w, 10)
      opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
      losses = []
      for step in range(24):
          i = torch.randint(0, x.shape[0], (32,))
          loss = nn.functional.cross_entropy(model(x[i]), y[i])
          opt.zero_grad()
          loss.backward()
          opt.step()
          losses.append(loss.item())
      model.eval()
      state = model.state_dict()
      save(out + "/w32.safetensors", state)
      save(out + "/wbf16.safetensors", {k: v.bfloat16() for k, v in state.items()})
      save(out + "/wf16.safetensors", {k: v.half() for k, v in state.items()})

      xt, yt = data["x_test"], data["y_test"]
      ref = {}
      with torch.no_grad():
          ref["logits_f32"] = model(xt)
          for name, dt in (("bf16", torch.bfloat16), ("f16", torch.float16)):
              rounded = small_cnn(c, h, w, 10).eval()
              rounded.load_state_dict({k: v.to(dt).float() for k, v in state.items()})
              ref["logits_" + name] = rounded(xt)
      xg = xt[:GRADIENTS].clone().requires_grad_(True)
      z = model(xg).gather(1, yt[:GRADIENTS].view(-1, 1)).sum()
      (ref["gradient"],) = torch.autograd.grad(z, xg)
      ref["accuracy"] = (ref["logits_f32"].argmax(1) == yt).float().mean().reshape(1)
      save(out + "/reference.safetensors", ref)
      print(json.dumps({"first_loss": losses[0], "last_loss": sum(losses[-4:]) / 4}))
      """
          .replace("GRADIENTS", Integer.toString(GRADIENTS));

  @TempDir static Path dir;

  private static Dataset test;
  private static SafetensorsFile reference;
  private static JsonNode training;

  @BeforeAll
  static void trainInPyTorch() throws IOException {
    assumeTrue(PythonTorch.python().isPresent(), PythonTorch.unavailableReason());
    DatasetSplits splits = TestData.fashionMnistSmall();
    Dataset train = splits.train().limit(TRAIN);
    test = splits.test().limit(TEST);
    LinkedHashMap<String, TensorData> input = new LinkedHashMap<>();
    input.put("x_train", images(train));
    input.put("y_train", labels(train));
    input.put("x_test", images(test));
    input.put("y_test", labels(test));
    Path inputFile = dir.resolve("input.safetensors");
    Safetensors.write(inputFile, input, Map.of());
    Path script = dir.resolve("train_small_cnn.py");
    Files.writeString(script, SCRIPT);

    String stdout = PythonTorch.run(script, inputFile.toString(), dir.toString());

    training = new ObjectMapper().readTree(stdout);
    reference = Safetensors.read(dir.resolve("reference.safetensors"));
  }

  private static TensorData images(Dataset d) {
    float[] pixels = new float[d.size() * d.imageSize()];
    for (int i = 0; i < d.size(); i++) {
      d.copyImage(i, pixels, i * d.imageSize());
    }
    return TensorData.ofFloats(new long[] {d.size(), d.channels(), d.height(), d.width()}, pixels);
  }

  private static TensorData labels(Dataset d) {
    long[] y = new long[d.size()];
    for (int i = 0; i < y.length; i++) {
      y[i] = d.labels()[i];
    }
    return TensorData.ofLongs(new long[] {y.length}, y);
  }

  private static float[] logits(Classifier model, Dataset d) {
    try (NDManager scope = model.manager().newSubManager()) {
      return model
          .logits(model.images(scope, images(d).toFloats(), d.size()), false)
          .toFloatArray();
    }
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    assertEquals(a.length, b.length);
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs((double) a[i] - b[i]));
    }
    return max;
  }

  private static int correct(float[] logits, int[] labels, int classes) {
    int correct = 0;
    for (int i = 0; i < labels.length; i++) {
      int best = 0;
      for (int k = 1; k < classes; k++) {
        if (logits[i * classes + k] > logits[i * classes + best]) {
          best = k;
        }
      }
      correct += best == labels[i] ? 1 : 0;
    }
    return correct;
  }

  private static Classifier read(String file) {
    Checkpoint c = ModelFiles.read(dir.resolve(file), Optional.empty());
    assertEquals("small-cnn", c.require("architecture"));
    assertEquals(10, c.requireLong("classes"));
    ModelFiles.check(c, file, new ModelFiles.InputShape(1, 28, 28), 10);
    return Classifier.load(c);
  }

  @Test
  void pytorchTrainedFloat32WeightsGivePyTorchsLogitsAndAccuracy() {
    assertTrue(
        training.get("last_loss").asDouble() < training.get("first_loss").asDouble(),
        "the PyTorch model trained: " + training);
    try (Classifier model = read("w32.safetensors")) {
      float[] ours = logits(model, test);
      float[] theirs = reference.tensor("logits_f32").toFloats();

      double diff = maxAbsDiff(ours, theirs);
      System.out.printf(
          "f32 logits: max diff %.3g, accuracy %d/%d%n",
          diff, correct(ours, test.labels(), 10), TEST);
      assertTrue(diff <= LOGIT_TOLERANCE, "max |igd-stream − PyTorch| logit = " + diff);
      int correct = correct(ours, test.labels(), 10);
      assertEquals(reference.tensor("accuracy").toFloats()[0], correct / (float) TEST, 1e-6);
      assertTrue(correct > TEST / 5, "trained beyond chance: " + correct + "/" + TEST);
    }
  }

  @Test
  void bfloat16AndFloat16WeightsGiveTheLogitsOfTheRoundedPyTorchModel() {
    for (String dtype : new String[] {"bf16", "f16"}) {
      SafetensorsFile file = Safetensors.read(dir.resolve("w" + dtype + ".safetensors"));
      assertEquals(dtype.equals("bf16") ? "BF16" : "F16", file.tensor("0.weight").dtype());
      try (Classifier model = read("w" + dtype + ".safetensors")) {
        double diff =
            maxAbsDiff(logits(model, test), reference.tensor("logits_" + dtype).toFloats());
        System.out.printf("%s logits: max diff %.3g%n", dtype, diff);
        assertTrue(diff <= LOGIT_TOLERANCE, dtype + ": max |igd-stream − PyTorch| logit = " + diff);
      }
    }
  }

  /**
   * argv: SCRIPTS_DIR OUT_DIR. PyTorch's PreActResNet18 (src/test/python), seeded, a few
   * training-mode forwards so running statistics and num_batches_tracked move, saved by hand (F32,
   * num_batches_tracked I64) with its eval-mode logits of seeded inputs.
   */
  private static final String PREACT_SCRIPT =
      """
      import json, struct, sys
      sys.path.insert(0, sys.argv[1])
      import torch
      from preact_resnet18_logits import PreActResNet18

      def save(path, tensors):
          header, chunks, offset = {}, [], 0
          for name, t in tensors.items():
              t = t.detach().contiguous()
              dtype = "I64" if t.dtype == torch.int64 else "F32"
              data = t.numpy().astype("<i8" if dtype == "I64" else "<f4").tobytes()
              header[name] = {"dtype": dtype, "shape": list(t.shape),
                              "data_offsets": [offset, offset + len(data)]}
              chunks.append(data)
              offset += len(data)
          js = json.dumps(header).encode()
          js += b" " * (-len(js) % 8)
          with open(path, "wb") as f:
              f.write(struct.pack("<Q", len(js)) + js + b"".join(chunks))

      torch.manual_seed(3)
      model = PreActResNet18(5, 3)
      with torch.no_grad():
          for _ in range(3):
              model.train()(torch.rand(8, 3, 32, 32))
      model.eval()
      with torch.no_grad():
          model.linear.weight.mul_(20)  # default-init logits are ~0.1: make them O(1)
      x = torch.rand(3, 3, 32, 32)
      with torch.no_grad():
          logits = model(x)
      save(sys.argv[2] + "/preact.safetensors", model.state_dict())
      save(sys.argv[2] + "/preact_reference.safetensors", {"x": x, "logits": logits})
      """;

  @Test
  void aPyTorchPreActResNet18StateDictIsRecognisedAndGivesPyTorchsLogits() throws IOException {
    Path script = dir.resolve("preact.py");
    Files.writeString(script, PREACT_SCRIPT);
    PythonTorch.run(script, PythonTorch.SCRIPTS.toAbsolutePath().toString(), dir.toString());
    SafetensorsFile saved = Safetensors.read(dir.resolve("preact.safetensors"));
    assertArrayEquals(
        new long[] {3}, saved.tensor("layer1.0.bn1.num_batches_tracked").toLongs(), "stats moved");

    Checkpoint c = ModelFiles.read(dir.resolve("preact.safetensors"), Optional.empty());

    assertEquals("preact-resnet18", c.require("architecture"));
    assertEquals(5, c.requireLong("classes"));
    assertEquals(3, c.requireLong("channels"));
    SafetensorsFile ref = Safetensors.read(dir.resolve("preact_reference.safetensors"));
    try (Classifier model = Classifier.load(c);
        NDManager scope = model.manager().newSubManager()) {
      float[] ours =
          model.logits(model.images(scope, ref.tensor("x").toFloats(), 3), false).toFloatArray();
      double diff = maxAbsDiff(ours, ref.tensor("logits").toFloats());
      double scale = 0;
      for (float v : ours) {
        scale = Math.max(scale, Math.abs(v));
      }
      System.out.printf("preact-resnet18 logits: max diff %.3g, largest %.3g%n", diff, scale);
      assertTrue(scale > 0.5, "logits too small to compare: " + scale);
      assertTrue(diff <= LOGIT_TOLERANCE, "max |igd-stream − PyTorch| logit = " + diff);
    }
  }

  @Test
  void asATeacherTheModelGivesTorchAutogradsTrueClassLogitGradient() {
    try (Classifier teacher = read("w32.safetensors")) {
      teacher.freeze();
      Dataset first = test.limit(GRADIENTS);
      float[] ours;
      try (NDManager scope = teacher.manager().newSubManager()) {
        NDArray x = teacher.images(scope, images(first).toFloats(), GRADIENTS);
        NDArray y = scope.create(labels(first).toLongs());
        ours = IgdLoss.teacherGradient(teacher, x, y, GradientTarget.LOGIT).toFloatArray();
      }
      TensorData theirs = reference.tensor("gradient");
      assertArrayEquals(new long[] {GRADIENTS, 1, 28, 28}, theirs.shape());

      double diff = maxAbsDiff(ours, theirs.toFloats());
      double scale = 0;
      for (float v : theirs.toFloats()) {
        scale = Math.max(scale, Math.abs(v));
      }
      System.out.printf("gradient: max diff %.3g, largest entry %.3g%n", diff, scale);
      assertTrue(scale > 1e-3, "gradient too small to compare: " + scale);
      assertTrue(
          diff <= GRADIENT_TOLERANCE,
          "max |igd-stream − PyTorch| gradient = " + diff + " (largest entry " + scale + ")");
    }
  }
}
