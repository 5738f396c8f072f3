package io.igdstream.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.io.CheckpointDirectory;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * `igd pipeline` (embedded broker and all) killed with SIGKILL mid-training, then the same command
 * run again: the rerun resumes the trainer from its last checkpoint instead of starting over, and
 * the finished run is complete (every (sample, epoch) trained once, the topics whole).
 */
@Tag("broker")
@Tag("slow")
@Tag("reliability")
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class PipelineKillTest {

  private static final int TRAIN = 192;
  private static final int EPOCHS = 2;
  private static final int BATCH = 32;
  private static final int SNAPSHOT_EVERY = 2;

  @TempDir Path dir;

  @Test
  void aKilledPipelineResumesFromItsCheckpointWhenRerun() throws Exception {
    BadInputTest.fixtureExists();
    Path conf = dir.resolve("tiny.conf");
    Files.writeString(conf, String.join("\n",
        "igd.train.batch-size = " + BATCH, "igd.augment.batch-size = 32", "igd.augment.max-lag = 96",
        "igd.attack.train-steps = 3", "igd.trainer.snapshot-every = " + SNAPSHOT_EVERY, "igd.trainer.checkpoint-every = 1",
        "igd.evaluate.tests = \"clean,pgd\"", "igd.evaluate.final-tests = \"clean,pgd\"",
        "igd.corrupt.corruptions = [gaussian_noise]", "igd.corrupt.severities = [1]", ""));
    Path out = dir.resolve("run");
    Path checkpoints = out.resolve("trainer").resolve("checkpoints");

    Process first = pipeline(conf, out, dir.resolve("first.log"));
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
    while (newestStep(checkpoints) < 3 && first.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertTrue(first.isAlive(), "still training when killed:\n" + Files.readString(dir.resolve("first.log")));
    first.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, the embedded broker dies with it
    long killedAt = newestStep(checkpoints);

    Process second = pipeline(conf, out, dir.resolve("second.log"));
    assertTrue(second.waitFor(10, TimeUnit.MINUTES), "the rerun ends");
    String log = Files.readString(dir.resolve("second.log"));
    assertEquals(0, second.exitValue(), log);
    Matcher resumed = Pattern.compile("resumed at step (\\d+)").matcher(log);
    assertTrue(resumed.find(), "the rerun resumed the trainer:\n" + log);
    long resumedAt = Long.parseLong(resumed.group(1));
    assertTrue(resumedAt >= killedAt && resumedAt > 0, "resumed at step " + resumedAt + ", killed after " + killedAt);
    assertTrue(log.contains("teacher: using"), "the teacher is not trained again");

    Checkpoint last = new CheckpointDirectory(checkpoints, 2).latest(m -> { }).orElseThrow();
    assertEquals((long) TRAIN * EPOCHS, last.requireLong("trained"), "every (sample, epoch) trained once");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(out.resolve("kafka"), 0)) {
      long duplicates = PipelineCommandTest.assertTopicsComplete(broker.bootstrapServers(), TRAIN, EPOCHS, BATCH, SNAPSHOT_EVERY);
      System.out.printf("PipelineKillTest: igd pipeline SIGKILLed at trainer step %d, the rerun resumed at step %d"
          + " (not 0); %d×%d (sample, epoch) trained once, %d repeated records on the topic (at-least-once; not trained twice), topics complete%n",
          killedAt, resumedAt, TRAIN, EPOCHS, duplicates);
    }
  }

  private static Process pipeline(Path conf, Path out, Path log) throws Exception {
    return new ProcessBuilder(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dai.djl.offline=true", "-Xss4m", "-Xmx2g",
        "-cp", System.getProperty("java.class.path"), IgdCommand.class.getName(),
        "pipeline", "--dataset", BadInputTest.idxFixture(), "--train-limit", Integer.toString(TRAIN), "--test-limit", "60",
        "--epochs", Integer.toString(EPOCHS), "--teacher-epochs", "1", "--evaluate-every", "2", "--metrics-port", "-1",
        "--progress-every", "5", "--config", conf.toString(), "--out", out.toString()))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** The step of the newest complete checkpoint, 0 if none (a checkpoint being written is a hidden temp file). */
  private static long newestStep(Path d) {
    File[] files = d.toFile().listFiles(f -> f.getName().matches("step-\\d+\\.safetensors"));
    return files == null ? 0 : Arrays.stream(files)
        .mapToLong(f -> Long.parseLong(f.getName().replaceAll("\\D", ""))).max().orElse(0);
  }
}
