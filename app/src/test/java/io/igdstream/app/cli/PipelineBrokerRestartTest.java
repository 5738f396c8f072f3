package io.igdstream.app.cli;

import static io.igdstream.app.cli.TinyPipeline.EPOCHS;
import static io.igdstream.app.cli.TinyPipeline.TRAIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.io.CheckpointDirectory;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
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
@Tag("reliability")
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class PipelineBrokerRestartTest {

  @TempDir Path dir;

  @Test
  void thePipelineCompletesWithNothingLostAcrossABrokerRestart() throws Exception {
    BadInputTest.fixtureExists();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path conf = TinyPipeline.config(dir);
    Path out = dir.resolve("run");
    Path log = dir.resolve("pipeline.log");
    Path data = dir.resolve("kafka");
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(data, port);
    try {
      Process p = TinyPipeline.start(conf, out, log, broker.bootstrapServers());
      Path checkpoints = TinyPipeline.checkpoints(out);
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
      while (TinyPipeline.newestStep(checkpoints) == 0
          && p.isAlive()
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertTrue(
          p.isAlive(),
          "the pipeline is still training when the broker stops:\n" + Files.readString(log));
      long stoppedAt = TinyPipeline.newestStep(checkpoints);
      broker.close();
      Thread.sleep(5000); // every client sees the broker gone
      broker = EmbeddedKafkaBroker.start(data, port);

      assertTrue(p.waitFor(10, TimeUnit.MINUTES), "the pipeline ends");
      String text = Files.readString(log);
      assertEquals(0, p.exitValue(), text);
      assertTrue(text.contains("pipeline done"), text);

      Checkpoint last = new CheckpointDirectory(checkpoints, 2).latest(m -> {}).orElseThrow();
      for (int e = 0; e < EPOCHS; e++) {
        assertEquals(TRAIN, last.requireLong("handled." + e), "trained in epoch " + e);
      }
      assertEquals(
          (long) TRAIN * EPOCHS, last.requireLong("trained"), "every (sample, epoch) trained once");
      long duplicates =
          PipelineCommandTest.assertTopicsComplete(
              broker.bootstrapServers(),
              TRAIN,
              EPOCHS,
              TinyPipeline.BATCH,
              TinyPipeline.SNAPSHOT_EVERY);
      System.out.printf(
          "PipelineBrokerRestartTest: broker stopped for 5 s at trainer step %d; the run completed with"
              + " %d×%d (sample, epoch) trained once each (per epoch %d/%d), %d repeated records on the topic (%d dropped by"
              + " the trainer)%n",
          stoppedAt, TRAIN, EPOCHS, TRAIN, TRAIN, duplicates, last.requireLong("duplicates"));
    } finally {
      broker.close();
    }
  }
}
