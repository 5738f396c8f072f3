package io.igdstream.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.io.CheckpointDirectory;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole system survives a broker restart: `igd pipeline --bootstrap-servers` (ingest, corrupt,
 * augment, trainer, evaluator; a child JVM) runs against a broker the test owns, which is stopped
 * once the trainer has checkpointed and started again on the same data directory and port. Every
 * stage reconnects by itself: the run ends normally, every (sample, epoch) is trained exactly once
 * (the trainer's per-epoch counts), and the topics hold every epoch, the final snapshot and one
 * report per evaluated version.
 */
@Tag("broker")
@Tag("slow")
@Timeout(value = 900, unit = TimeUnit.SECONDS)
@Tag("reliability")
class PipelineBrokerRestartTest {

  private static final int TRAIN = 192;
  private static final int TEST = 60;
  private static final int EPOCHS = 2;
  private static final int BATCH = 32;
  private static final int SNAPSHOT_EVERY = 2;

  @TempDir Path dir;

  @Test
  void thePipelineCompletesWithNothingLostAcrossABrokerRestart() throws Exception {
    BadInputTest.fixtureExists();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path conf = dir.resolve("tiny.conf");
    Files.writeString(conf, String.join("\n",
        "igd.train.batch-size = " + BATCH, "igd.augment.batch-size = 32", "igd.augment.max-lag = 96",
        "igd.attack.train-steps = 3", "igd.trainer.snapshot-every = " + SNAPSHOT_EVERY, "igd.trainer.checkpoint-every = 1",
        "igd.evaluate.tests = \"clean,pgd\"", "igd.evaluate.final-tests = \"clean,pgd\"",
        "igd.corrupt.corruptions = [gaussian_noise]", "igd.corrupt.severities = [1]", ""));
    Path out = dir.resolve("run");
    Path log = dir.resolve("pipeline.log");
    Path data = dir.resolve("kafka");
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(data, port);
    try {
      Process p = new ProcessBuilder(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dai.djl.offline=true", "-Xss4m", "-Xmx2g",
          "-cp", System.getProperty("java.class.path"), IgdCommand.class.getName(),
          "pipeline", "--bootstrap-servers", broker.bootstrapServers(), "--dataset", BadInputTest.idxFixture(),
          "--train-limit", Integer.toString(TRAIN), "--test-limit", Integer.toString(TEST), "--epochs", Integer.toString(EPOCHS),
          "--teacher-epochs", "1", "--evaluate-every", "2", "--metrics-port", "-1", "--progress-every", "5",
          "--config", conf.toString(), "--out", out.toString()))
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();

      Path checkpoints = out.resolve("trainer").resolve("checkpoints");
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
      while (count(checkpoints) == 0 && p.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertTrue(p.isAlive(), "the pipeline is still training when the broker stops:\n" + Files.readString(log));
      String stoppedAt = newest(checkpoints);
      broker.close();
      Thread.sleep(5000); // every client sees the broker gone
      broker = EmbeddedKafkaBroker.start(data, port);
      System.out.println("PipelineBrokerRestartTest: broker stopped for 5 s at trainer checkpoint " + stoppedAt);

      assertTrue(p.waitFor(10, TimeUnit.MINUTES), "the pipeline ends");
      String text = Files.readString(log);
      assertEquals(0, p.exitValue(), text);
      assertTrue(text.contains("pipeline done"), text);

      Checkpoint last = new CheckpointDirectory(checkpoints, 2).latest(m -> { }).orElseThrow();
      for (int e = 0; e < EPOCHS; e++) {
        assertEquals(TRAIN, last.requireLong("handled." + e), "trained in epoch " + e);
      }
      assertEquals((long) TRAIN * EPOCHS, last.requireLong("trained"), "every (sample, epoch) trained once");
      long duplicates = PipelineCommandTest.assertTopicsComplete(broker.bootstrapServers(), TRAIN, EPOCHS, BATCH, SNAPSHOT_EVERY);
      System.out.printf("PipelineBrokerRestartTest: run completed after the restart; %d×%d (sample, epoch) trained once"
          + " each (per epoch %d/%d), %d repeated records on the topic (%d dropped by the trainer)%n", TRAIN, EPOCHS, TRAIN, TRAIN,
          duplicates, last.requireLong("duplicates"));
    } finally {
      broker.close();
    }
  }

  /** Complete checkpoints (a checkpoint being written is a hidden temporary file). */
  private static File[] checkpointFiles(Path d) {
    File[] files = d.toFile().listFiles(f -> !f.getName().startsWith("."));
    return files == null ? new File[0] : files;
  }

  private static int count(Path d) {
    return checkpointFiles(d).length;
  }

  private static String newest(Path d) {
    File[] files = checkpointFiles(d);
    return java.util.Arrays.stream(files).map(File::getName).sorted().reduce((x, y) -> y).orElse("none");
  }
}
