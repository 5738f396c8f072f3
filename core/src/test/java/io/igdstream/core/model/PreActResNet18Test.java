package io.igdstream.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PreActResNet18 against its PyTorch definition. The PyTorch cross-checks need {@code
 * /usr/bin/python3} with {@code torch} (Debian python3-torch) and are skipped with a reason
 * otherwise; they run {@code src/test/python/preact_resnet18_logits.py} on raw little-endian
 * float32 files + a JSON index.
 */
class PreActResNet18Test {

  /** sum(p.numel() for p in PreActResNet18(10, 3).parameters()) in PyTorch 1.13. */
  private static final long PYTORCH_LEARNABLE_PARAMETERS = 11_172_170L;

  /**
   * A python3 with torch and numpy; -Digd.test.python overrides (the pyenv python3 on PATH lacks
   * torch).
   */
  private static final Path PYTHON =
      Path.of(System.getProperty("igd.test.python", "/usr/bin/python3"));

  private static final Path SCRIPT = Path.of("src/test/python/preact_resnet18_logits.py");
  private static final float PYTORCH_MOMENTUM = 0.1f;

  private static String torchUnavailable;

  @BeforeAll
  static void probeTorch() throws InterruptedException {
    if (!Files.isExecutable(PYTHON)) {
      torchUnavailable = PYTHON + " not found";
      return;
    }
    try {
      Process p =
          new ProcessBuilder(PYTHON.toString(), "-c", "import torch, numpy")
              .redirectErrorStream(true)
              .start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        torchUnavailable = "import torch timed out";
      } else if (p.exitValue() != 0) {
        torchUnavailable =
            PYTHON
                + " cannot import torch and numpy: "
                + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      }
    } catch (IOException e) {
      torchUnavailable = "cannot start " + PYTHON + ": " + e.getMessage();
    }
  }

  private static void assumeTorch() {
    Assumptions.assumeTrue(
        torchUnavailable == null, () -> "PyTorch cross-check skipped: " + torchUnavailable);
    assertTrue(Files.isRegularFile(SCRIPT), "missing " + SCRIPT.toAbsolutePath());
  }

  private static Block initialised(NDManager manager, int channels, int classes) {
    Block block = PreActResNet18.build(channels, classes);
    block.initialize(manager, DataType.FLOAT32, new Shape(1, channels, 32, 32));
    return block;
  }

  private static NDArray forward(Block block, NDManager manager, NDArray x, boolean training) {
    return block
        .forward(new ParameterStore(manager, false), new NDList(x), training)
        .singletonOrThrow();
  }

  @Test
  void learnableParameterCountEqualsPyTorchs() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Block block = initialised(manager, 3, 10);
      long learnable = 0;
      long runningStats = 0;
      for (Pair<String, Parameter> p : block.getParameters()) {
        if (p.getValue().requiresGradient()) {
          learnable += p.getValue().getShape().size();
        } else {
          runningStats += p.getValue().getShape().size();
        }
      }
      assertEquals(PYTORCH_LEARNABLE_PARAMETERS, learnable);
      // BatchNorm channels (bn1 sees the block's input planes): layer1..4, then the final bn.
      long bnChannels = 64 * 4 + (64 + 128 * 3) + (128 + 256 * 3) + (256 + 512 * 3) + 512;
      assertEquals(2 * bnChannels, runningStats); // running mean and var
    }
  }

  @Test
  void pytorchParametersNamesEveryParameterOnceInStateDictOrder() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Block block = initialised(manager, 3, 10);
      Map<String, Parameter> named = PreActResNet18.pytorchParameters(block);

      Set<Parameter> all = Collections.newSetFromMap(new IdentityHashMap<>());
      block.getParameters().values().forEach(all::add);
      Set<Parameter> mapped = Collections.newSetFromMap(new IdentityHashMap<>());
      mapped.addAll(named.values());
      assertEquals(all.size(), block.getParameters().size(), "DJL lists a parameter twice");
      assertEquals(named.size(), mapped.size(), "a DJL parameter is mapped twice");
      assertEquals(all, mapped);
      assertEquals(90, named.size()); // 1 + 8 blocks x 10 + 3 shortcuts + 4 + 2

      List<String> names = new ArrayList<>(named.keySet());
      assertEquals(
          List.of(
              "conv1.weight",
              "layer1.0.bn1.weight",
              "layer1.0.bn1.bias",
              "layer1.0.bn1.running_mean",
              "layer1.0.bn1.running_var",
              "layer1.0.conv1.weight",
              "layer1.0.bn2.weight",
              "layer1.0.bn2.bias",
              "layer1.0.bn2.running_mean",
              "layer1.0.bn2.running_var",
              "layer1.0.conv2.weight",
              "layer1.1.bn1.weight"),
          names.subList(0, 12));
      assertEquals(
          List.of(
              "bn.weight",
              "bn.bias",
              "bn.running_mean",
              "bn.running_var",
              "linear.weight",
              "linear.bias"),
          names.subList(names.size() - 6, names.size()));
      assertEquals(
          List.of(
              "layer2.0.shortcut.0.weight",
              "layer3.0.shortcut.0.weight",
              "layer4.0.shortcut.0.weight"),
          names.stream().filter(n -> n.contains("shortcut")).toList());
      assertEquals(
          names.indexOf("layer2.0.conv2.weight") + 1, names.indexOf("layer2.0.shortcut.0.weight"));
      assertFalse(names.stream().anyMatch(n -> n.contains("num_batches_tracked")));

      assertEquals(new Shape(64, 3, 3, 3), named.get("conv1.weight").getShape());
      assertEquals(new Shape(128, 64, 3, 3), named.get("layer2.0.conv1.weight").getShape());
      assertEquals(new Shape(128, 128, 3, 3), named.get("layer2.0.conv2.weight").getShape());
      assertEquals(new Shape(128, 64, 1, 1), named.get("layer2.0.shortcut.0.weight").getShape());
      assertEquals(new Shape(256), named.get("layer3.1.bn2.running_var").getShape());
      assertEquals(new Shape(256), named.get("layer4.0.bn1.running_mean").getShape());
      assertEquals(new Shape(512, 512, 3, 3), named.get("layer4.1.conv2.weight").getShape());
      assertEquals(new Shape(512), named.get("bn.weight").getShape());
      assertEquals(new Shape(10, 512), named.get("linear.weight").getShape());
      assertEquals(new Shape(10), named.get("linear.bias").getShape());
      assertEquals(Parameter.Type.RUNNING_MEAN, named.get("bn.running_mean").getType());
      assertEquals(Parameter.Type.RUNNING_VAR, named.get("bn.running_var").getType());
      assertEquals(Parameter.Type.GAMMA, named.get("bn.weight").getType());
      assertEquals(Parameter.Type.BETA, named.get("bn.bias").getType());
    }
  }

  @Test
  void pytorchParametersRejectsForeignBlocks() {
    assertThrows(
        IllegalArgumentException.class,
        () -> PreActResNet18.pytorchParameters(SmallCnn.build(1, 28, 28, 10)));
    assertThrows(IllegalArgumentException.class, () -> PreActResNet18.build(0, 10));
    assertThrows(IllegalArgumentException.class, () -> PreActResNet18.build(3, 0));
  }

  @Test
  void namesAndShapesEqualPyTorchStateDict(@TempDir Path dir) throws Exception {
    assumeTorch();
    Path out = dir.resolve("names.tsv");
    python("names", "1", "7", out.toString());
    Map<String, Shape> expected = new LinkedHashMap<>();
    long learnable = -1;
    for (String line : Files.readAllLines(out)) {
      String[] f = line.split("\t");
      if (f[0].equals("#learnable")) {
        learnable = Long.parseLong(f[1]);
      } else {
        expected.put(
            f[0], new Shape(Arrays.stream(f[1].split(",")).mapToLong(Long::parseLong).toArray()));
      }
    }
    try (NDManager manager = NDManager.newBaseManager()) {
      Block block = initialised(manager, 1, 7);
      Map<String, Shape> actual = new LinkedHashMap<>();
      PreActResNet18.pytorchParameters(block).forEach((n, p) -> actual.put(n, p.getShape()));
      assertEquals(new ArrayList<>(expected.entrySet()), new ArrayList<>(actual.entrySet()));
      long djlLearnable =
          block.getParameters().values().stream()
              .filter(Parameter::requiresGradient)
              .mapToLong(p -> p.getShape().size())
              .sum();
      assertEquals(learnable, djlLearnable);
    }
    python("names", "3", "10", out.toString());
    assertTrue(Files.readAllLines(out).contains("#learnable\t" + PYTORCH_LEARNABLE_PARAMETERS));
  }

  @Test
  void initialisationFollowsPyTorchDefaults() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Map<String, Parameter> named = PreActResNet18.pytorchParameters(initialised(manager, 3, 10));
      for (Map.Entry<String, Parameter> e : named.entrySet()) {
        NDArray a = e.getValue().getArray();
        String n = e.getKey();
        if (n.endsWith("running_var") || n.matches(".*bn\\d?\\.weight")) {
          assertTrue(a.eq(1f).all().getBoolean(), n + " should be ones");
        } else if (n.endsWith("running_mean") || n.matches(".*bn\\d?\\.bias")) {
          assertTrue(a.eq(0f).all().getBoolean(), n + " should be zeros");
        } else {
          Shape s = a.getShape();
          long fanIn = n.equals("linear.bias") ? 512 : s.size() / s.get(0);
          float bound = (float) (1 / Math.sqrt(fanIn));
          float maxAbs = a.abs().max().getFloat();
          assertTrue(maxAbs <= bound, n + ": max |w| " + maxAbs + " > bound " + bound);
          if (s.size() >= 64) {
            assertTrue(maxAbs > 0.9f * bound, n + ": max |w| " + maxAbs + " far below " + bound);
          }
        }
      }
    }
  }

  @Test
  void forwardGivesNByClassesInBothModesAndForOtherSizes() {
    try (NDManager manager = NDManager.newBaseManager()) {
      manager.getEngine().setRandomSeed(1);
      Block block = initialised(manager, 3, 10);
      NDArray x = manager.randomUniform(0, 1, new Shape(2, 3, 32, 32));
      assertEquals(new Shape(2, 10), forward(block, manager, x, false).getShape());
      assertEquals(new Shape(2, 10), forward(block, manager, x, true).getShape());
      assertArrayEquals(
          new Shape[] {new Shape(2, 10)}, block.getOutputShapes(new Shape[] {x.getShape()}));

      // Global average pooling: sizes where PyTorch's avg_pool2d(4) does not reduce to 1x1 still
      // work.
      NDArray big = manager.randomUniform(0, 1, new Shape(1, 3, 48, 48));
      assertEquals(new Shape(1, 10), forward(block, manager, big, false).getShape());

      Block gray = initialised(manager, 1, 7);
      NDArray mnist = manager.randomUniform(0, 1, new Shape(2, 1, 28, 28));
      assertEquals(new Shape(2, 7), forward(gray, manager, mnist, true).getShape());
      assertEquals(new Shape(2, 7), forward(gray, manager, mnist, false).getShape());
    }
  }

  @Test
  void evalModeUsesRunningStatsAndLeavesThemAlone() {
    try (NDManager manager = NDManager.newBaseManager()) {
      manager.getEngine().setRandomSeed(2);
      Block block = initialised(manager, 3, 10);
      NDArray x = manager.randomUniform(0, 1, new Shape(3, 3, 32, 32));
      forward(block, manager, x, true); // non-trivial running stats
      Map<String, Parameter> named = PreActResNet18.pytorchParameters(block);
      float[] mean = named.get("layer3.0.bn1.running_mean").getArray().toFloatArray();

      NDArray batch = forward(block, manager, x, false);
      NDArray alone = forward(block, manager, x.get("0:1"), false);
      float evalDiff = batch.get("0:1").sub(alone).abs().max().getFloat();
      assertTrue(evalDiff < 1e-5f, "eval logits depend on the batch: " + evalDiff);
      assertArrayEquals(mean, named.get("layer3.0.bn1.running_mean").getArray().toFloatArray());

      // Training mode normalises with batch statistics: the same image gets other logits.
      NDArray trainBatch = forward(block, manager, x, true);
      NDArray trainPair = forward(block, manager, x.get("0:2"), true);
      assertTrue(trainBatch.get("0:1").sub(trainPair.get("0:1")).abs().max().getFloat() > 1e-3f);
    }
  }

  @Test
  void trainingForwardUpdatesRunningStatsWithPyTorchMomentum() {
    try (NDManager manager = NDManager.newBaseManager()) {
      manager.getEngine().setRandomSeed(3);
      Block block = initialised(manager, 3, 10);
      PreActResNet18.Network net = (PreActResNet18.Network) block;
      Map<String, Parameter> named = PreActResNet18.pytorchParameters(block);
      NDArray x = manager.randomUniform(0, 1, new Shape(4, 3, 32, 32));

      for (int step = 0; step < 2; step++) {
        NDArray oldMean = named.get("layer1.0.bn1.running_mean").getArray().duplicate();
        NDArray oldVar = named.get("layer1.0.bn1.running_var").getArray().duplicate();
        // The input of layer1.0.bn1 is conv1(x); its batch statistics per channel, unbiased
        // variance.
        NDArray h = forward(net.conv1, manager, x, true);
        long n = h.getShape().size() / h.getShape().get(1);
        NDArray perChannel = h.swapAxes(0, 1).reshape(h.getShape().get(1), -1); // (C, N*H*W)
        NDArray batchMean = perChannel.mean(new int[] {1});
        NDArray batchVar =
            perChannel.sub(batchMean.reshape(-1, 1)).square().sum(new int[] {1}).div(n - 1);
        NDArray expectedMean =
            oldMean.mul(1 - PYTORCH_MOMENTUM).add(batchMean.mul(PYTORCH_MOMENTUM));
        NDArray expectedVar = oldVar.mul(1 - PYTORCH_MOMENTUM).add(batchVar.mul(PYTORCH_MOMENTUM));

        forward(block, manager, x, true);
        NDArray mean = named.get("layer1.0.bn1.running_mean").getArray();
        NDArray var = named.get("layer1.0.bn1.running_var").getArray();
        assertTrue(mean.sub(oldMean).abs().max().getFloat() > 1e-3f, "running mean did not move");
        float meanErr = mean.sub(expectedMean).abs().max().getFloat();
        float varErr = var.sub(expectedVar).abs().max().getFloat();
        assertTrue(meanErr < 1e-6f, "running_mean off by " + meanErr);
        assertTrue(varErr < 1e-6f, "running_var off by " + varErr);
      }
    }
  }

  @Test
  void freezeThenUnfreezeLeavesRunningStatsOutOfAutograd() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Block block = initialised(manager, 3, 10);
      Map<String, Parameter> named = PreActResNet18.pytorchParameters(block);
      block.freezeParameters(true);
      assertTrue(named.values().stream().noneMatch(Parameter::requiresGradient));
      block.freezeParameters(false); // as after a PGD attack on a frozen student
      named.forEach(
          (n, p) ->
              assertEquals(!n.contains("running_"), p.requiresGradient(), n + " requires grad"));

      NDArray x = manager.randomUniform(0, 1, new Shape(2, 3, 32, 32));
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        collector.backward(forward(block, manager, x, true).sum());
      }
      Parameter conv1 = named.get("conv1.weight");
      assertTrue(conv1.getArray().getGradient().abs().sum().getFloat() > 0, "no gradient");
    }
  }

  @Test
  void evalLogitsEqualPyTorchsForExportedWeights(@TempDir Path dir) throws Exception {
    assumeTorch();
    try (NDManager manager = NDManager.newBaseManager()) {
      manager.getEngine().setRandomSeed(4);
      Block block = initialised(manager, 3, 10);
      NDArray warm = manager.randomUniform(0, 1, new Shape(4, 3, 32, 32));
      forward(block, manager, warm, true);
      forward(block, manager, warm.mul(0.5f).add(0.25f), true);
      Map<String, Parameter> named = PreActResNet18.pytorchParameters(block);
      perturb(manager, named);
      assertTrue(
          named.get("layer4.1.bn2.running_var").getArray().sub(1f).abs().max().getFloat() > 1e-2f);

      NDArray x = manager.randomUniform(0, 1, new Shape(3, 3, 32, 32));
      Index index = new Index(3, 10);
      named.forEach((n, p) -> index.state(dir, n, p.getArray()));
      index.evalInput(dir, x);
      index.write(dir);
      python("run", dir.toString());

      float[] expected = readF32(dir.resolve("out/eval_logits.f32"));
      float[] actual = forward(block, manager, x, false).toFloatArray();
      float diff = maxAbsDiff(expected, actual);
      System.out.printf(
          "eval logits: max |DJL - PyTorch| = %.3g (max |logit| %.3g)%n", diff, maxAbs(expected));
      assertTrue(maxAbs(expected) > 0.5f, "logits too small to compare: " + maxAbs(expected));
      assertTrue(diff <= 1e-4f, "eval logits differ from PyTorch's by " + diff);
    }
  }

  @Test
  void trainingForwardsMatchPyTorchsLogitsAndRunningStats(@TempDir Path dir) throws Exception {
    assumeTorch();
    try (NDManager manager = NDManager.newBaseManager()) {
      manager.getEngine().setRandomSeed(5);
      Block block = initialised(manager, 3, 10);
      Map<String, Parameter> named = PreActResNet18.pytorchParameters(block);
      perturb(manager, named);
      List<NDArray> trains =
          List.of(
              manager.randomUniform(0, 1, new Shape(4, 3, 32, 32)),
              manager.randomUniform(0, 1, new Shape(2, 3, 32, 32)));
      NDArray x = manager.randomUniform(0, 1, new Shape(2, 3, 32, 32));
      Index index = new Index(3, 10);
      named.forEach((n, p) -> index.state(dir, n, p.getArray()));
      trains.forEach(t -> index.trainInput(dir, t));
      index.evalInput(dir, x);
      index.write(dir);
      python("run", dir.toString());

      for (int i = 0; i < trains.size(); i++) {
        float[] expected = readF32(dir.resolve("out/train_logits_" + i + ".f32"));
        float diff =
            maxAbsDiff(expected, forward(block, manager, trains.get(i), true).toFloatArray());
        System.out.printf("train logits %d: max |DJL - PyTorch| = %.3g%n", i, diff);
        assertTrue(diff <= 1e-4f, "training-mode logits " + i + " differ by " + diff);
      }
      float worst = 0;
      String worstName = "";
      for (Map.Entry<String, Parameter> e : named.entrySet()) {
        if (e.getKey().contains("running_")) {
          float d =
              maxAbsDiff(
                  readF32(dir.resolve("out/" + e.getKey() + ".f32")),
                  e.getValue().getArray().toFloatArray());
          if (d >= worst) {
            worst = d;
            worstName = e.getKey();
          }
        }
      }
      System.out.printf("running stats: max |DJL - PyTorch| = %.3g (%s)%n", worst, worstName);
      assertTrue(worst <= 1e-4f, "running stat " + worstName + " differs by " + worst);
      float diff =
          maxAbsDiff(
              readF32(dir.resolve("out/eval_logits.f32")),
              forward(block, manager, x, false).toFloatArray());
      System.out.printf("eval logits after training forwards: max |DJL - PyTorch| = %.3g%n", diff);
      assertTrue(diff <= 1e-4f, "eval logits differ by " + diff);
    }
  }

  /**
   * Gives every BatchNorm weight and bias its own non-trivial values (defaults 1 and 0 would hide a
   * weight/bias mix-up) and scales the classifier so the logits are O(1), not O(0.01).
   */
  private static void perturb(NDManager manager, Map<String, Parameter> named) {
    named.forEach(
        (n, p) -> {
          NDArray a = p.getArray();
          if (n.matches(".*bn\\d?\\.weight")) {
            a.set(manager.randomUniform(0.5f, 1.5f, a.getShape()).toFloatArray());
          } else if (n.matches(".*bn\\d?\\.bias")) {
            a.set(manager.randomUniform(-0.3f, 0.3f, a.getShape()).toFloatArray());
          } else if (n.equals("linear.weight")) {
            a.set(a.mul(30f).toFloatArray());
          }
        });
  }

  // ---- files shared with preact_resnet18_logits.py: raw little-endian float32 + index.json ----

  /** Builds DIR/index.json; names are PyTorch state_dict names (ASCII, no quotes to escape). */
  private static final class Index {
    private final int channels;
    private final int classes;
    private final List<String> state = new ArrayList<>();
    private final List<String> trainInputs = new ArrayList<>();
    private String evalInput;

    Index(int channels, int classes) {
      this.channels = channels;
      this.classes = classes;
    }

    void state(Path dir, String name, NDArray value) {
      state.add("\"" + name + "\": " + entry(dir, "state/" + name + ".f32", value));
    }

    void trainInput(Path dir, NDArray value) {
      trainInputs.add(entry(dir, "train_" + trainInputs.size() + ".f32", value));
    }

    void evalInput(Path dir, NDArray value) {
      evalInput = entry(dir, "eval.f32", value);
    }

    void write(Path dir) throws IOException {
      String json =
          "{\"channels\": "
              + channels
              + ", \"classes\": "
              + classes
              + ",\n \"state\": {\n  "
              + String.join(",\n  ", state)
              + "},\n \"train_inputs\": ["
              + String.join(", ", trainInputs)
              + "],\n \"eval_input\": "
              + evalInput
              + "}\n";
      Files.writeString(dir.resolve("index.json"), json);
    }

    private static String entry(Path dir, String file, NDArray value) {
      try {
        Path path = dir.resolve(file);
        Files.createDirectories(path.getParent());
        float[] data = value.toFloatArray();
        ByteBuffer buf = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(data);
        Files.write(path, buf.array());
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return "{\"file\": \""
          + file
          + "\", \"shape\": "
          + Arrays.toString(value.getShape().getShape())
          + "}";
    }
  }

  private static float[] readF32(Path path) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[buf.remaining() / 4];
    buf.asFloatBuffer().get(out);
    return out;
  }

  private static void python(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(PYTHON.toString(), SCRIPT.toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python timed out");
    assertEquals(0, p.exitValue(), "python failed:\n" + output);
  }

  private static float maxAbsDiff(float[] a, float[] b) {
    assertEquals(a.length, b.length, "length");
    float max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  private static float maxAbs(float[] a) {
    float max = 0;
    for (float v : a) {
      max = Math.max(max, Math.abs(v));
    }
    return max;
  }
}
