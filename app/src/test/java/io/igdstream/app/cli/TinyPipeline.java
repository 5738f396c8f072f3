package io.igdstream.app.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * `igd pipeline` as a child JVM on the Fashion-MNIST fixture with a tiny configuration (192
 * training images, 2 epochs, batch 32, a checkpoint every step), for the fault tests that kill it
 * or its broker.
 */
final class TinyPipeline {

  static final int TRAIN = 192;
  static final int EPOCHS = 2;
  static final int BATCH = 32;
  static final int SNAPSHOT_EVERY = 2;

  private TinyPipeline() {}

  /** Writes the configuration file into {@code dir} and returns it. */
  static Path config(Path dir) throws IOException {
    return Files.writeString(
        dir.resolve("tiny.conf"),
        String.join(
            "\n",
            "igd.train.batch-size = " + BATCH,
            "igd.augment.batch-size = 32",
            "igd.augment.max-lag = 96",
            "igd.attack.train-steps = 3",
            "igd.trainer.snapshot-every = " + SNAPSHOT_EVERY,
            "igd.trainer.checkpoint-every = 1",
            "igd.evaluate.tests = \"clean,pgd\"",
            "igd.evaluate.final-tests = \"clean,pgd\"",
            "igd.corrupt.corruptions = [gaussian_noise]",
            "igd.corrupt.severities = [1]",
            ""));
  }

  /**
   * Starts the pipeline; {@code bootstrapServers} null runs its own embedded broker. Output is
   * appended to {@code log}.
   */
  static Process start(Path conf, Path out, Path log, String bootstrapServers) throws IOException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "pipeline",
                "--dataset",
                BadInputTest.idxFixture(),
                "--train-limit",
                Integer.toString(TRAIN),
                "--test-limit",
                "60",
                "--epochs",
                Integer.toString(EPOCHS),
                "--teacher-epochs",
                "1",
                "--evaluate-every",
                "2",
                "--metrics-port",
                "-1",
                "--progress-every",
                "5",
                "--config",
                conf.toString(),
                "--out",
                out.toString()));
    if (bootstrapServers != null) {
      args.addAll(List.of("--bootstrap-servers", bootstrapServers));
    }
    return ChildIgd.start("2g", log, args);
  }

  /** The trainer's checkpoint directory of a run. */
  static Path checkpoints(Path out) {
    return out.resolve("trainer").resolve("checkpoints");
  }

  /**
   * The step of the newest complete checkpoint, 0 if none (one being written is a hidden temp
   * file).
   */
  static long newestStep(Path checkpoints) {
    File[] files =
        checkpoints.toFile().listFiles(f -> f.getName().matches("step-\\d+\\.safetensors"));
    return files == null
        ? 0
        : Arrays.stream(files)
            .mapToLong(f -> Long.parseLong(f.getName().replaceAll("\\D", "")))
            .max()
            .orElse(0);
  }
}
