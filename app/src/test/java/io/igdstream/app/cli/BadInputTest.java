package io.igdstream.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.ModelSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every kind of bad input gives exit code 2 and one line on standard error that names the problem,
 * before any training starts.
 */
@Tag("reliability")
class BadInputTest {

  /** The committed 600/200-image Fashion-MNIST IDX fixture (surefire runs in the module dir). */
  static final Path FIXTURE = Path.of("../core/src/test/resources/fixtures/fashion-mnist-small");

  @TempDir Path dir;

  @BeforeAll
  static void fixtureExists() {
    assertTrue(Files.isDirectory(FIXTURE), "missing fixture directory " + FIXTURE.toAbsolutePath());
  }

  static String idxFixture() {
    return "idx:" + FIXTURE;
  }

  /** Bad inputs checked, by command, for the reliability table's summary line. */
  private static final java.util.Map<String, Integer> CHECKED =
      new java.util.concurrent.ConcurrentSkipListMap<>();

  /** Asserts exit code 2 and exactly one error line containing every fragment. */
  private static String assertBadInput(Cli.Result r, String... fragments) {
    assertEquals(ExitCode.BAD_INPUT, r.exitCode(), r.toString());
    List<String> lines = r.errorLines();
    assertEquals(1, lines.size(), "expected one error line: " + r);
    String line = lines.get(0);
    assertTrue(line.startsWith("igd "), line);
    for (String f : fragments) {
      assertTrue(line.contains(f), "error line should contain '" + f + "': " + line);
    }
    String command = line.split("[ :]")[1];
    CHECKED.merge(command.isEmpty() ? "(parser)" : command, 1, Integer::sum);
    return line;
  }

  @AfterAll
  static void summary() {
    System.out.println(
        "BadInputTest: "
            + CHECKED.values().stream().mapToInt(Integer::intValue).sum()
            + " bad inputs, each one error line naming the problem and exit code 2, before any work; by command "
            + CHECKED);
  }

  private Path modelFile(Architecture architecture, ModelSpec spec, String name) {
    Path file = dir.resolve(name);
    try (Classifier model = Classifier.create(architecture, spec, 1)) {
      new Checkpoint(model.describe(), model.stateDict(), new LinkedHashMap<>()).write(file);
    }
    return file;
  }

  private Path randomBytes(String name) throws IOException {
    byte[] noise = new byte[2048];
    new Random(1).nextBytes(noise);
    return Files.write(dir.resolve(name), noise);
  }

  private String out() {
    return dir.resolve("run").toString();
  }

  // --- train-local -----------------------------------------------------------------------------

  @Test
  void unknownDatasetIsNamed() {
    Cli.Result r = Cli.run("train-local", "--dataset", "nope", "--out", out());

    assertBadInput(r, "igd train-local", "nope", "unknown dataset");
  }

  @Test
  void idxDirectoryWithoutTheFilesIsNamed() throws IOException {
    Path empty = Files.createDirectory(dir.resolve("empty"));

    Cli.Result r = Cli.run("train-local", "--dataset", "idx:" + empty, "--out", out());

    assertBadInput(r, empty.toString(), "not found");
  }

  @Test
  void idxDirectoryThatDoesNotExistIsNamed() {
    Path missing = dir.resolve("missing");

    Cli.Result r = Cli.run("train-local", "--dataset", "idx:" + missing, "--out", out());

    assertBadInput(r, missing.toString(), "not found");
  }

  @Test
  void unknownMethodIsNamedWithTheKnownOnes() {
    Cli.Result r = Cli.run("train-local", "--method", "nope", "--out", out());

    assertBadInput(r, "unknown method 'nope'", "nat", "pgdat", "igd", "trades");
  }

  @Test
  void igdWithoutTeacherAsksForOne() {
    Cli.Result r = Cli.run("train-local", "--method", "igd", "--out", out());

    assertBadInput(r, "--method igd", "--teacher");
  }

  @Test
  void tradesIgdWithoutTeacherAsksForOne() {
    Cli.Result r = Cli.run("train-local", "--method", "trades-igd", "--out", out());

    assertBadInput(r, "--method trades-igd", "--teacher");
  }

  @Test
  void missingTeacherFileIsNamed() {
    Path missing = dir.resolve("no-such-teacher.safetensors");

    Cli.Result r =
        Cli.run("train-local", "--method", "igd", "--teacher", missing.toString(), "--out", out());

    assertBadInput(r, "--teacher", missing.toString(), "does not exist");
  }

  @Test
  void corruptTeacherFileIsNamed() throws IOException {
    Path corrupt = randomBytes("teacher.safetensors");

    Cli.Result r =
        Cli.run(
            "train-local",
            "--method",
            "igd",
            "--teacher",
            corrupt.toString(),
            "--dataset",
            idxFixture(),
            "--out",
            out());

    assertBadInput(r, corrupt.toString(), "not a safetensors file");
  }

  @Test
  void teacherOfAnotherArchitectureIsRejected() {
    Path teacher =
        modelFile(Architecture.PREACT_RESNET18, new ModelSpec(1, 28, 28, 10), "resnet.safetensors");

    Cli.Result r =
        Cli.run(
            "train-local",
            "--method",
            "igd",
            "--teacher",
            teacher.toString(),
            "--dataset",
            idxFixture(),
            "--train-limit",
            "64",
            "--eval-limit",
            "16",
            "--out",
            out());

    assertBadInput(r, "teacher", "preact-resnet18", "small-cnn");
    assertTrue(Files.notExists(dir.resolve("run/model.safetensors")), "nothing may be trained");
  }

  @Test
  void teacherForOtherDataIsRejected() {
    Path teacher =
        modelFile(Architecture.SMALL_CNN, new ModelSpec(1, 28, 28, 5), "five.safetensors");

    Cli.Result r =
        Cli.run(
            "train-local",
            "--method",
            "igd",
            "--teacher",
            teacher.toString(),
            "--dataset",
            idxFixture(),
            "--train-limit",
            "64",
            "--eval-limit",
            "16",
            "--out",
            out());

    assertBadInput(r, "--teacher", "has 5 classes", "10 classes");
    assertTrue(Files.notExists(dir.resolve("run/model.safetensors")), "nothing may be trained");
  }

  @Test
  void unknownConfigKeyIsNamed() throws IOException {
    Path config = Files.writeString(dir.resolve("bad.conf"), "igd.train.epochz = 3\n");

    Cli.Result r = Cli.run("train-local", "--config", config.toString(), "--out", out());

    assertBadInput(r, "unknown configuration key 'igd.train.epochz'");
  }

  @Test
  void badConfigValueIsNamedWithTheKey() throws IOException {
    Path config = Files.writeString(dir.resolve("bad.conf"), "igd.train.epochs = -1\n");

    Cli.Result r = Cli.run("train-local", "--config", config.toString(), "--out", out());

    assertBadInput(r, "igd.train.epochs must be >= 1, was -1");
  }

  @Test
  void configValueOfTheWrongTypeIsNamed() throws IOException {
    Path config = Files.writeString(dir.resolve("bad.conf"), "igd.train.batch-size = many\n");

    Cli.Result r = Cli.run("train-local", "--config", config.toString(), "--out", out());

    assertBadInput(r, "igd.train.batch-size");
  }

  @Test
  void missingConfigFileIsNamed() {
    Path missing = dir.resolve("absent.conf");

    Cli.Result r = Cli.run("train-local", "--config", missing.toString(), "--out", out());

    assertBadInput(r, "--config", missing.toString(), "does not exist");
  }

  @Test
  void badOptionValueIsNamedWithItsKey() {
    Cli.Result r = Cli.run("train-local", "--epochs", "0", "--out", out());

    assertBadInput(r, "igd.train.epochs must be >= 1, was 0");
  }

  @Test
  void badLimitIsNamed() {
    Cli.Result r = Cli.run("train-local", "--train-limit", "0", "--out", out());

    assertBadInput(r, "--train-limit must be >= 1, was 0");
  }

  @Test
  void outUnderARegularFileIsNotWritable() throws IOException {
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    Path out = file.resolve("run");

    Cli.Result r = Cli.run("train-local", "--dataset", idxFixture(), "--out", out.toString());

    assertBadInput(r, "--out", out.toString(), "not writable");
  }

  @Test
  void unknownOptionGivesExitCode2AndNamesIt() {
    Cli.Result r = Cli.run("train-local", "--epoch", "3", "--out", out());

    assertEquals(ExitCode.BAD_INPUT, r.exitCode(), r.toString());
    assertTrue(r.errorLines().get(0).contains("--epoch"), r.toString());
  }

  // --- eval and export -------------------------------------------------------------------------

  @Test
  void evalOfAModelWhoseClassesDoNotFitTheDataIsRejected() {
    Path model = modelFile(Architecture.SMALL_CNN, new ModelSpec(1, 28, 28, 5), "five.safetensors");

    Cli.Result r = Cli.run("eval", model.toString(), "--dataset", idxFixture(), "--limit", "8");

    assertBadInput(r, "igd eval", model.toString(), "10 classes");
    assertEquals("", r.out(), "no accuracy line for a model that does not fit");
  }

  @Test
  void evalOfAModelForOtherImagesIsRejected() {
    Path model = modelFile(Architecture.SMALL_CNN, new ModelSpec(3, 32, 32, 10), "rgb.safetensors");

    Cli.Result r = Cli.run("eval", model.toString(), "--dataset", idxFixture(), "--limit", "8");

    assertBadInput(r, model.toString(), "3x32x32");
  }

  @Test
  void evalOfAMissingModelIsNamed() {
    Path missing = dir.resolve("absent.safetensors");

    Cli.Result r = Cli.run("eval", missing.toString(), "--dataset", idxFixture());

    assertBadInput(r, missing.toString(), "does not exist");
  }

  @Test
  void exportOfAMissingFileIsNamed() {
    Path missing = dir.resolve("absent.safetensors");

    Cli.Result r =
        Cli.run("export", missing.toString(), "--out", dir.resolve("x.safetensors").toString());

    assertBadInput(r, "igd export", missing.toString(), "does not exist");
    assertTrue(Files.notExists(dir.resolve("x.safetensors")));
  }

  @Test
  void exportOfACorruptFileIsNamed() throws IOException {
    Path corrupt = randomBytes("model.safetensors");

    Cli.Result r =
        Cli.run("export", corrupt.toString(), "--out", dir.resolve("x.safetensors").toString());

    assertBadInput(r, corrupt.toString(), "not a safetensors file");
    assertTrue(Files.notExists(dir.resolve("x.safetensors")));
  }

  // --- broker ----------------------------------------------------------------------------------

  @Test
  void brokerOnABusyPortIsNamed() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();

      Cli.Result r = Cli.run("broker", "--port", Integer.toString(port));

      assertBadInput(r, "igd broker", "--port " + port, "127.0.0.1:" + port + " is already in use");
    }
  }

  @Test
  void brokerWithABadTopicPrefixIsNamed() {
    Cli.Result r = Cli.run("broker", "--port", "0", "--topic-prefix", "a b");

    assertBadInput(r, "igd broker", "topic prefix 'a b'");
  }

  @Test
  void brokerOnAForeignDirectoryIsNamed() throws IOException {
    Files.writeString(dir.resolve("notes.txt"), "mine");

    Cli.Result r = Cli.run("broker", "--port", "0", "--data-dir", dir.toString());

    assertBadInput(r, "igd broker", "--data-dir", "holds no broker data");
  }

  // --- commands of the streaming system --------------------------------------------------------

  // --- keys, topics ----------------------------------------------------------------------------

  @Test
  void keysNeverOverwriteAKeyPair() throws IOException {
    Path keys = dir.resolve("keys");
    assertEquals(ExitCode.OK, Cli.run("keys", "--out", keys.toString()).exitCode());
    byte[] first = Files.readAllBytes(keys.resolve("snapshot-signing.key"));

    Cli.Result r = Cli.run("keys", "--out", keys.toString());

    assertBadInput(r, "igd keys", "--out " + keys, "not overwriting a key");
    assertTrue(
        java.util.Arrays.equals(first, Files.readAllBytes(keys.resolve("snapshot-signing.key"))),
        "the first private key must be kept");
  }

  @Test
  void topicsWithAClientPropertyIgdStreamOwnsIsNamed() throws IOException {
    // a Kafka property under igd.kafka.client is accepted as a key, but this one is igd-stream's
    Path config =
        Files.writeString(
            dir.resolve("owned.conf"),
            "igd.kafka.client { security.protocol = SASL_SSL, enable.auto.commit = true }\n");

    Cli.Result r = Cli.run("topics", "--config", config.toString());

    assertBadInput(r, "igd topics", "igd.kafka.client.enable.auto.commit cannot be set");
  }

  // Each checks its options before any work: none of these reaches a broker.

  @Test
  void pipelineWithAnUnknownProfileIsNamed() {
    Cli.Result r = Cli.run("pipeline", "--profile", "huge", "--out", dir.resolve("p").toString());

    assertBadInput(r, "igd pipeline", "--profile must be quick or full", "huge");
  }

  @Test
  void pipelineWithAMetricsPortOutOfRangeIsNamed() {
    Cli.Result r =
        Cli.run("pipeline", "--metrics-port", "70000", "--out", dir.resolve("p").toString());

    assertBadInput(r, "igd pipeline", "--metrics-port must be in -1..65535", "70000");
  }

  @Test
  void pipelineWithAMissingTeacherIsNamed() {
    Cli.Result r =
        Cli.run(
            "pipeline",
            "--teacher",
            dir.resolve("nope.safetensors").toString(),
            "--out",
            dir.resolve("p").toString());

    assertBadInput(r, "igd pipeline", "--teacher", "does not exist");
  }

  @Test
  void augmentWithAMissingTeacherIsNamed() {
    Cli.Result r =
        Cli.run(
            "augment",
            "--teacher",
            dir.resolve("nope.safetensors").toString(),
            "--metrics-port",
            "-1");

    assertBadInput(r, "igd augment", "--teacher", "does not exist");
  }

  @Test
  void augmentWithoutATeacherSaysItIsRequired() {
    Cli.Result r = Cli.run("augment");

    assertEquals(ExitCode.BAD_INPUT, r.exitCode(), r.toString());
    assertTrue(r.err().contains("--teacher"), r.err());
  }

  @Test
  void trainWithAnUnknownDeviceIsNamed() {
    Cli.Result r = Cli.run("train", "--device", "tpu", "--out", dir.resolve("t").toString());

    assertBadInput(r, "igd train", "--device must be auto, cpu or gpu", "tpu");
  }

  @Test
  void ingestWithANegativeLimitIsNamed() {
    Cli.Result r = Cli.run("ingest", "--dataset", idxFixture(), "--train-limit", "-3");

    assertBadInput(r, "igd ingest", "--train-limit must be >= 0", "-3");
  }

  @Test
  void corruptWithABadTopicPrefixIsNamed() {
    Cli.Result r = Cli.run("corrupt", "--topic-prefix", "a b");

    assertBadInput(r, "igd corrupt", "topic prefix 'a b'");
  }

  @Test
  void evaluateWithABadConfigValueNamesTheKey() throws IOException {
    Path conf = dir.resolve("bad.conf");
    Files.writeString(conf, "igd.evaluate.every = 0\n");

    Cli.Result r = Cli.run("evaluate", "--config", conf.toString(), "--metrics-port", "-1");

    assertBadInput(r, "igd evaluate", "igd.evaluate.every");
  }

  @Test
  void evaluateWithAMetricsPortInUseIsNamed() throws IOException {
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Cli.Result r = Cli.run("evaluate", "--metrics-port", Integer.toString(taken.getLocalPort()));

      assertBadInput(r, "igd evaluate", "--metrics-port " + taken.getLocalPort());
    }
  }

  // --- every streaming command, the same faults
  // ---------------------------------------------------

  /** The options a streaming command needs besides the fault under test. */
  private List<String> streamingArgs(String command) {
    List<String> args = new java.util.ArrayList<>(List.of(command));
    switch (command) {
      case "augment" ->
          args.addAll(
              List.of(
                  "--teacher",
                  modelFile(
                          Architecture.of("small-cnn"),
                          new ModelSpec(1, 28, 28, 10),
                          "teacher.safetensors")
                      .toString()));
      case "train" -> args.addAll(List.of("--out", dir.resolve("t").toString()));
      case "ingest", "pipeline" -> args.addAll(List.of("--dataset", idxFixture()));
      default -> {}
    }
    if (command.equals("pipeline")) {
      args.addAll(List.of("--out", out()));
    }
    return args;
  }

  @ParameterizedTest
  @ValueSource(strings = {"ingest", "augment", "corrupt", "train", "evaluate", "pipeline"})
  void everyStreamingCommandNamesAnUnknownConfigKey(String command) throws IOException {
    Path conf = Files.writeString(dir.resolve("bad.conf"), "igd.augment.max-lagg = 5\n");
    List<String> args = streamingArgs(command);
    args.addAll(List.of("--config", conf.toString(), "--metrics-port", "-1"));

    assertBadInput(
        Cli.run(args.toArray(String[]::new)),
        "igd " + command,
        "unknown configuration key 'igd.augment.max-lagg'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"evaluate", "pipeline"})
  void anAutoAttackEpsIsAKnownKeyThoughItsDefaultIsNullAndABadOnIsNamed(String command)
      throws IOException {
    Path conf =
        Files.writeString(
            dir.resolve("autoattack.conf"),
            "igd.evaluate.autoattack.eps = 0.05\nigd.evaluate.autoattack.on = sometimes\n");
    List<String> args = streamingArgs(command);
    args.addAll(List.of("--config", conf.toString(), "--metrics-port", "-1"));

    Cli.Result r = Cli.run(args.toArray(String[]::new));
    assertFalse(r.err().contains("unknown configuration key"), r.toString());
    assertBadInput(r, "igd.evaluate.autoattack.on must be off, final or every-k, was 'sometimes'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ingest", "augment", "corrupt", "train", "evaluate", "pipeline"})
  void everyStreamingCommandNamesAMetricsPortInUse(String command) throws IOException {
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      List<String> args = streamingArgs(command);
      args.addAll(List.of("--metrics-port", Integer.toString(taken.getLocalPort())));

      assertBadInput(
          Cli.run(args.toArray(String[]::new)),
          "igd " + command,
          "--metrics-port " + taken.getLocalPort());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"augment", "pipeline"})
  void aCorruptTeacherFileIsNamedByTheStreamingCommands(String command) throws IOException {
    Path teacher = randomBytes("teacher.bin");
    List<String> args =
        new java.util.ArrayList<>(
            List.of(command, "--teacher", teacher.toString(), "--metrics-port", "-1"));
    if (command.equals("pipeline")) {
      args.addAll(List.of("--dataset", idxFixture(), "--out", out()));
    }

    assertBadInput(Cli.run(args.toArray(String[]::new)), "igd " + command, teacher.toString());
  }

  @Test
  void aModelThatDoesNotFitTheImagesIsNamedBeforeTraining() {
    Path folder = FIXTURE.resolveSibling("folder-tiny");

    Cli.Result r =
        Cli.run(
            "train-local",
            "--dataset",
            "folder:" + folder,
            "--image-size",
            "30",
            "--model",
            "small-cnn",
            "--epochs",
            "1",
            "--out",
            out());

    assertBadInput(
        r, "igd train-local", "small-cnn needs height and width divisible by 4", "30x30");
    assertTrue(Files.notExists(dir.resolve("run/model.safetensors")), "nothing may be trained");
  }

  @Test
  void pipelineWithAnUnknownModelIsNamed() {
    Cli.Result r =
        Cli.run(
            "pipeline",
            "--dataset",
            idxFixture(),
            "--model",
            "preact-resnet19",
            "--metrics-port",
            "-1",
            "--out",
            out());

    assertBadInput(r, "igd pipeline", "preact-resnet19");
  }

  // --- bench soak ------------------------------------------------------------------------------

  @Test
  void soakWithTooFewStepsIsNamed() {
    assertBadInput(
        Cli.run("bench", "soak", "--steps", "100", "--warmup-steps", "0"),
        "igd soak",
        "--steps must be >= 200, was 100");
  }

  @Test
  void soakWithAWarmUpNotBelowTheStepsIsNamed() {
    assertBadInput(
        Cli.run("bench", "soak", "--steps", "300", "--warmup-steps", "300"),
        "igd soak",
        "--warmup-steps",
        "was 300");
  }

  @Test
  void soakWithStepsOffTheSampleIntervalIsNamed() {
    assertBadInput(
        Cli.run("bench", "soak", "--steps", "350", "--warmup-steps", "100"),
        "igd soak",
        "multiples of --sample-every 100",
        "350");
  }

  @Test
  void soakWithANonPositiveSampleIntervalIsNamed() {
    assertBadInput(
        Cli.run("bench", "soak", "--sample-every", "0"),
        "igd soak",
        "--sample-every must be >= 1, was 0");
  }
}
