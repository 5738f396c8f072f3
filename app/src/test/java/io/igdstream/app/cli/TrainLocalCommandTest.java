package io.igdstream.app.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.io.Safetensors;
import io.igdstream.core.io.SafetensorsFile;
import io.igdstream.core.io.TensorData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code igd train-local} end to end on the 600/200-image Fashion-MNIST fixture: one short NAT run
 * (4 steps of 64 images), then export, eval and resume of what it wrote.
 */
class TrainLocalCommandTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int TRAIN_LIMIT = 256;
  private static final int EVAL_LIMIT = 64;
  private static final int BATCH_SIZE = 64;
  private static final int STEPS = TRAIN_LIMIT / BATCH_SIZE; // one epoch

  @TempDir static Path runs;

  private static Path run;
  private static Cli.Result first;
  private static JsonNode firstSummary;
  private static Map<String, TensorData> firstModel;

  private static String[] trainLocal(Path out, String... extra) {
    return trainLocal(out, EVAL_LIMIT, extra);
  }

  private static String[] trainLocal(Path out, int evalLimit, String... extra) {
    return trainLocal("nat", out, evalLimit, extra);
  }

  private static String[] trainLocal(String method, Path out, int evalLimit, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train-local",
                "--method",
                method,
                "--dataset",
                BadInputTest.idxFixture(),
                "--epochs",
                "1",
                "--train-limit",
                Integer.toString(TRAIN_LIMIT),
                "--eval-limit",
                Integer.toString(evalLimit),
                "--batch-size",
                Integer.toString(BATCH_SIZE),
                "--out",
                out.toString()));
    args.addAll(List.of(extra));
    return args.toArray(String[]::new);
  }

  @BeforeAll
  static void trainOnce() throws IOException {
    BadInputTest.fixtureExists();
    run = runs.resolve("nat");
    first = Cli.run(trainLocal(run));
    assertEquals(0, first.exitCode(), first.toString());
    firstSummary = JSON.readTree(run.resolve("summary.json").toFile());
    firstModel = Checkpoint.read(run.resolve("model.safetensors")).model();
  }

  private static List<String> fileNames(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static String fourDecimals(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }

  @Test
  void summaryRecordsTheRunWithSaneValues() {
    JsonNode s = firstSummary;
    for (String key :
        List.of(
            "method",
            "dataset",
            "epochs",
            "seed",
            "train_limit",
            "eval_limit",
            "clean_accuracy",
            "pgd20_accuracy",
            "train_seconds")) {
      assertTrue(s.has(key), "summary.json lacks " + key + ": " + s);
    }
    assertEquals("nat", s.get("method").asText());
    assertEquals(BadInputTest.idxFixture(), s.get("dataset").asText());
    assertEquals(1, s.get("epochs").asInt());
    assertEquals(0, s.get("seed").asLong());
    assertEquals(TRAIN_LIMIT, s.get("train_limit").asInt());
    assertEquals(EVAL_LIMIT, s.get("eval_limit").asInt());
    double clean = s.get("clean_accuracy").asDouble();
    double robust = s.get("pgd20_accuracy").asDouble();
    assertTrue(clean >= 0 && clean <= 1, "clean accuracy " + clean);
    assertTrue(robust >= 0 && robust <= clean, "robust accuracy " + robust + " > clean " + clean);
    // accuracies are counts out of the 64 evaluated images
    assertEquals(Math.rint(clean * EVAL_LIMIT), clean * EVAL_LIMIT, 1e-9);
    assertEquals(Math.rint(robust * EVAL_LIMIT), robust * EVAL_LIMIT, 1e-9);
    assertTrue(s.get("train_seconds").asDouble() > 0, "train_seconds " + s.get("train_seconds"));
  }

  @Test
  void printsTheAccuraciesOfTheSummary() {
    String clean = fourDecimals(firstSummary.get("clean_accuracy").asDouble());
    String robust = fourDecimals(firstSummary.get("pgd20_accuracy").asDouble());

    assertTrue(
        first.out().contains("clean accuracy " + clean + ", pgd-20 accuracy " + robust),
        first.out());
    assertTrue(first.out().contains("on " + EVAL_LIMIT + " test images"), first.out());
  }

  @Test
  void writesTheModelAndTheEpochEndCheckpoint() throws IOException {
    Checkpoint model = Checkpoint.read(run.resolve("model.safetensors"));
    assertEquals("small-cnn", model.require("architecture"));
    assertEquals("nat", model.require("method"));
    assertEquals(10, model.requireLong("classes"));
    assertTrue(model.optimizer().isEmpty(), "the final model carries no optimizer state");

    assertEquals(
        List.of(String.format("step-%09d.safetensors", STEPS)),
        fileNames(run.resolve("checkpoints")));
    Checkpoint last =
        Checkpoint.read(
            run.resolve("checkpoints").resolve(fileNames(run.resolve("checkpoints")).get(0)));
    assertEquals(STEPS, last.requireLong("step"));
    assertEquals(model.model(), last.model(), "the model is the state of the last checkpoint");
    assertTrue(!last.optimizer().isEmpty(), "a training checkpoint carries optimizer state");
  }

  @Test
  void exportOfTheTrainedModelWritesPyTorchNamesAndASidecar() throws IOException {
    Path exported = runs.resolve("export").resolve("nat.safetensors");
    Files.createDirectories(exported.getParent());

    Cli.Result r =
        Cli.run(
            "export", run.resolve("model.safetensors").toString(), "--out", exported.toString());

    assertEquals(0, r.exitCode(), r.toString());
    SafetensorsFile file = Safetensors.read(exported);
    assertEquals(
        List.of(
            "0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias"),
        List.copyOf(file.tensors().keySet()));
    for (var e : file.tensors().entrySet()) {
      assertArrayEquals(firstModel.get(e.getKey()).toFloats(), e.getValue().toFloats(), e.getKey());
    }
    JsonNode sidecar = JSON.readTree(exported.resolveSibling("nat.safetensors.json").toFile());
    assertEquals("small-cnn", sidecar.get("architecture").asText());
    assertEquals(10, sidecar.get("class_names").size());
    assertEquals("nat", sidecar.get("method").asText());
    assertEquals(BadInputTest.idxFixture(), sidecar.get("dataset").asText());
  }

  @Test
  void evalOfTheTrainedModelReproducesTheSummaryAccuracies() throws IOException {
    Path report = runs.resolve("eval");

    Cli.Result r =
        Cli.run(
            "eval",
            run.resolve("model.safetensors").toString(),
            "--dataset",
            BadInputTest.idxFixture(),
            "--limit",
            Integer.toString(EVAL_LIMIT),
            "--out",
            report.toString());

    assertEquals(0, r.exitCode(), r.toString());
    Matcher m =
        Pattern.compile("clean accuracy (\\d\\.\\d{4}), pgd-20 accuracy (\\d\\.\\d{4})")
            .matcher(r.out());
    assertTrue(m.find(), "no accuracy line: " + r);
    // same model, same first 64 test images, same attack seed (0) as the training run's evaluation
    assertEquals(fourDecimals(firstSummary.get("clean_accuracy").asDouble()), m.group(1));
    assertEquals(fourDecimals(firstSummary.get("pgd20_accuracy").asDouble()), m.group(2));
    assertTrue(r.out().contains(EVAL_LIMIT + " test images"), r.out());
    JsonNode json = JSON.readTree(report.resolve("report.json").toFile());
    assertEquals(1, json.get("models").size());
    JsonNode model = json.get("models").get(0);
    assertEquals(
        firstSummary.get("clean_accuracy").asDouble(), model.get("clean_accuracy").asDouble());
    // the whole suite ran by default: every metric is present, and the subset is the correctly
    // classified images
    for (String metric :
        new String[] {
          "gini_pixel",
          "gini_regional",
          "ina_add",
          "ina_replace",
          "rn",
          "ioa_grey",
          "ioa_white",
          "corruptions"
        }) {
      assertTrue(model.hasNonNull(metric), metric + " missing in " + model);
    }
    assertEquals(
        Math.round(firstSummary.get("clean_accuracy").asDouble() * EVAL_LIMIT),
        json.get("joint_correct").asInt());
    for (String file :
        new String[] {
          "report.md",
          "ina_add.png",
          "ina_replace.png",
          "rn.png",
          "ioa.png",
          "corruptions.png",
          "gini_pixel.png",
          "saliency.png"
        }) {
      assertTrue(Files.size(report.resolve(file)) > 0, file);
    }
  }

  @Test
  void rerunningTheSameCommandResumesAndGivesTheSameResult() throws IOException {
    Cli.Result again = Cli.run(trainLocal(run));

    assertEquals(0, again.exitCode(), again.toString());
    assertTrue(again.err().contains("resumed from checkpoint"), again.err());
    JsonNode summary = JSON.readTree(run.resolve("summary.json").toFile());
    assertEquals(
        firstSummary.get("clean_accuracy").asDouble(), summary.get("clean_accuracy").asDouble());
    assertEquals(
        firstSummary.get("pgd20_accuracy").asDouble(), summary.get("pgd20_accuracy").asDouble());
    assertEquals(firstModel, Checkpoint.read(run.resolve("model.safetensors")).model());
  }

  @Test
  void aRunResumedMidwayEndsWithTheUninterruptedRunsModel() throws IOException {
    // checkpoints after steps 2 and 4; dropping step 4 is a run stopped after step 2. Only the
    // weights are compared here, so a short evaluation keeps the two runs quick.
    Path config =
        Files.writeString(runs.resolve("every-2.conf"), "igd.train.checkpoint-every = 2\n");
    Path out = runs.resolve("midway");
    Cli.Result whole = Cli.run(trainLocal(out, 8, "--config", config.toString()));
    assertEquals(0, whole.exitCode(), whole.toString());
    Map<String, TensorData> uninterrupted =
        Checkpoint.read(out.resolve("model.safetensors")).model();
    assertEquals(firstModel, uninterrupted, "checkpoint-every must not change the training");
    assertEquals(
        List.of("step-000000002.safetensors", "step-000000004.safetensors"),
        fileNames(out.resolve("checkpoints")));
    Files.delete(out.resolve("checkpoints").resolve("step-000000004.safetensors"));
    Files.delete(out.resolve("model.safetensors"));
    Files.delete(out.resolve("summary.json"));

    Cli.Result resumed = Cli.run(trainLocal(out, 8, "--config", config.toString()));

    assertEquals(0, resumed.exitCode(), resumed.toString());
    assertTrue(resumed.err().contains("resumed from checkpoint at step 2"), resumed.err());
    assertEquals(uninterrupted, Checkpoint.read(out.resolve("model.safetensors")).model());
    assertEquals(8, JSON.readTree(out.resolve("summary.json").toFile()).get("eval_limit").asInt());
  }

  /**
   * The trained model as a bare PyTorch state_dict: exported, then rewritten without igd-stream's
   * metadata and without the sidecar, as {@code torch} code saving it would leave it.
   */
  private static Path strippedStateDict(String name) throws IOException {
    Path exported = runs.resolve("strip-" + name).resolve("exported.safetensors");
    Files.createDirectories(exported.getParent());
    Cli.Result r =
        Cli.run(
            "export", run.resolve("model.safetensors").toString(), "--out", exported.toString());
    assertEquals(0, r.exitCode(), r.toString());
    Path bare = runs.resolve("strip-" + name).resolve("bare").resolve(name + ".safetensors");
    Files.createDirectories(bare.getParent());
    Safetensors.write(bare, Safetensors.read(exported).tensors(), Map.of());
    assertTrue(Safetensors.read(bare).metadata().isEmpty());
    assertFalse(Files.exists(bare.resolveSibling(name + ".safetensors.json")));
    return bare;
  }

  @Test
  void exportReadsABareStateDictAndWritesTheSameWeights() throws IOException {
    Path bare = strippedStateDict("export");
    Path again = runs.resolve("strip-export").resolve("again.safetensors");

    Cli.Result r = Cli.run("export", bare.toString(), "--out", again.toString());

    assertEquals(0, r.exitCode(), r.toString());
    SafetensorsFile file = Safetensors.read(again);
    for (var e : firstModel.entrySet()) {
      assertArrayEquals(
          e.getValue().toFloats(), file.tensors().get(e.getKey()).toFloats(), e.getKey());
    }
    JsonNode sidecar = JSON.readTree(again.resolveSibling("again.safetensors.json").toFile());
    assertEquals("small-cnn", sidecar.get("architecture").asText());
    assertEquals(10, sidecar.get("classes").asInt());
  }

  @Test
  void aBareStateDictWorksAsTheTeacherOfIgd() throws IOException {
    Path teacher = strippedStateDict("teacher");
    Path out = runs.resolve("igd-bare-teacher");

    Cli.Result r = Cli.run(trainLocal("igd", out, 8, "--teacher", teacher.toString()));

    assertEquals(0, r.exitCode(), r.toString());
    JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
    assertEquals("igd", s.get("method").asText());
    assertEquals(teacher.toString(), s.get("teacher").asText());
    assertEquals("igd", Checkpoint.read(out.resolve("model.safetensors")).require("method"));
  }

  @Test
  void aTeacherFileThatIsNotAModelIsOneLineAndExitTwo() throws IOException {
    Path junk = Files.writeString(runs.resolve("junk.safetensors"), "not safetensors at all");
    Path out = runs.resolve("igd-junk-teacher");

    Cli.Result r = Cli.run(trainLocal("igd", out, 8, "--teacher", junk.toString()));

    assertEquals(2, r.exitCode(), r.toString());
    assertEquals(1, r.errorLines().size(), r.toString());
    assertTrue(r.errorLines().get(0).contains(junk.toString()), r.toString());
    assertTrue(r.errorLines().get(0).contains("not a safetensors file"), r.toString());
    assertFalse(Files.exists(out.resolve("model.safetensors")));
  }

  @Test
  void aStateDictWithATensorMissingIsOneLineNamingIt() throws IOException {
    Path bare = strippedStateDict("missing");
    Map<String, TensorData> tensors = new LinkedHashMap<>(Safetensors.read(bare).tensors());
    tensors.remove("9.bias");
    Safetensors.write(bare, tensors, Map.of());

    Cli.Result r =
        Cli.run(
            trainLocal(
                runs.resolve("igd-missing"), 8, "--model", "small-cnn", "--init", bare.toString()));

    assertEquals(2, r.exitCode(), r.toString());
    assertEquals(1, r.errorLines().size(), r.toString());
    assertTrue(r.errorLines().get(0).contains("missing tensor '9.bias'"), r.toString());
  }

  @Test
  void initStartsFromTheFilesWeights() throws IOException {
    // a learning rate of 1e-12 leaves the weights where they start: the init file's, not the
    // seeded initialisation's (which the first run started from and moved away from)
    Path init = strippedStateDict("init");
    Path out = runs.resolve("init");

    Cli.Result r = Cli.run(trainLocal(out, 8, "--lr", "1e-12", "--init", init.toString()));

    assertEquals(0, r.exitCode(), r.toString());
    Map<String, TensorData> tuned = Checkpoint.read(out.resolve("model.safetensors")).model();
    for (var e : firstModel.entrySet()) {
      float[] want = e.getValue().toFloats();
      float[] got = tuned.get(e.getKey()).toFloats();
      for (int i = 0; i < want.length; i++) {
        assertEquals(want[i], got[i], 1e-5, e.getKey() + "[" + i + "]");
      }
    }
    assertEquals(
        init.toString(), JSON.readTree(out.resolve("summary.json").toFile()).get("init").asText());
  }

  @Test
  void initWithAnotherNumberOfClassesIsRefusedWithBothShapes() throws IOException {
    Path bare = strippedStateDict("classes");
    Map<String, TensorData> tensors = new LinkedHashMap<>(Safetensors.read(bare).tensors());
    float[] w = tensors.get("9.weight").toFloats();
    tensors.put("9.weight", TensorData.ofFloats(new long[] {5, 128}, Arrays.copyOf(w, 5 * 128)));
    tensors.put("9.bias", TensorData.ofFloats(new long[] {5}, new float[5]));
    Safetensors.write(bare, tensors, Map.of());

    Cli.Result r = Cli.run(trainLocal(runs.resolve("init-classes"), 8, "--init", bare.toString()));

    assertEquals(2, r.exitCode(), r.toString());
    assertEquals(1, r.errorLines().size(), r.toString());
    String line = r.errorLines().get(0);
    assertTrue(line.contains("5 classes") && line.contains("10 classes"), line);
  }

  @Test
  void finalEvalAutoattackPutsItsAccuracyInTheSummary() throws IOException {
    Path out = runs.resolve("autoattack");

    Cli.Result r =
        Cli.run(trainLocal(out, 8, "--final-eval", "autoattack", "--autoattack-version", "apgd"));

    assertEquals(0, r.exitCode(), r.toString());
    JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
    assertEquals("autoattack", s.get("final_eval").asText());
    assertEquals("apgd", s.get("autoattack_version").asText());
    assertEquals(8, s.get("autoattack_points").asInt());
    double clean = s.get("clean_accuracy").asDouble();
    double aa = s.get("autoattack_accuracy").asDouble();
    // robust points are among the correctly classified ones, counted out of 8
    assertTrue(aa >= 0 && aa <= clean, "autoattack " + aa + " > clean " + clean);
    assertEquals(Math.rint(aa * 8), aa * 8, 1e-9);
    assertTrue(r.out().contains("autoattack apgd accuracy " + fourDecimals(aa)), r.out());
  }

  @Test
  void theDefaultFinalEvalHasNoAutoattack() {
    assertEquals("pgd", firstSummary.get("final_eval").asText());
    assertFalse(firstSummary.has("autoattack_accuracy"), firstSummary.toString());
  }

  @Test
  void anUnknownFinalEvalIsOneLineAndExitTwo() {
    Cli.Result r = Cli.run(trainLocal(runs.resolve("bad-final"), 8, "--final-eval", "fgsm"));

    assertEquals(2, r.exitCode(), r.toString());
    assertEquals(1, r.errorLines().size(), r.toString());
    assertTrue(
        r.errorLines().get(0).contains("--final-eval must be pgd or autoattack"), r.toString());
  }
}
