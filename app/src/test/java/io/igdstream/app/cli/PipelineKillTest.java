package io.igdstream.app.cli;

import static io.igdstream.app.cli.TinyPipeline.EPOCHS;
import static io.igdstream.app.cli.TinyPipeline.TRAIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.io.CheckpointDirectory;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
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

  @TempDir Path dir;

  @Test
  void aKilledPipelineResumesFromItsCheckpointWhenRerun() throws Exception {
    BadInputTest.fixtureExists();
    Path conf = TinyPipeline.config(dir);
    Path out = dir.resolve("run");
    Path checkpoints = TinyPipeline.checkpoints(out);

    Process first = TinyPipeline.start(conf, out, dir.resolve("first.log"), null);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
    while (TinyPipeline.newestStep(checkpoints) < 3
        && first.isAlive()
        && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertTrue(
        first.isAlive(),
        "still training when killed:\n" + Files.readString(dir.resolve("first.log")));
    first
        .destroyForcibly()
        .waitFor(); // SIGKILL: no shutdown hook, the embedded broker dies with it
    long killedAt = TinyPipeline.newestStep(checkpoints);

    Process second = TinyPipeline.start(conf, out, dir.resolve("second.log"), null);
    assertTrue(second.waitFor(10, TimeUnit.MINUTES), "the rerun ends");
    String log = Files.readString(dir.resolve("second.log"));
    assertEquals(0, second.exitValue(), log);
    Matcher resumed = Pattern.compile("resumed at step (\\d+)").matcher(log);
    assertTrue(resumed.find(), "the rerun resumed the trainer:\n" + log);
    long resumedAt = Long.parseLong(resumed.group(1));
    assertTrue(
        resumedAt >= killedAt && resumedAt > 0,
        "resumed at step " + resumedAt + ", killed after " + killedAt);
    assertTrue(log.contains("teacher: using"), "the teacher is not trained again");

    Checkpoint last = new CheckpointDirectory(checkpoints, 2).latest(m -> {}).orElseThrow();
    assertEquals(
        (long) TRAIN * EPOCHS, last.requireLong("trained"), "every (sample, epoch) trained once");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(out.resolve("kafka"), 0)) {
      long duplicates =
          PipelineCommandTest.assertTopicsComplete(
              broker.bootstrapServers(),
              TRAIN,
              EPOCHS,
              TinyPipeline.BATCH,
              TinyPipeline.SNAPSHOT_EVERY);
      System.out.printf(
          "PipelineKillTest: igd pipeline SIGKILLed at trainer step %d, the rerun resumed at step %d"
              + " (not 0); %d×%d (sample, epoch) trained once, %d repeated records on the topic (at-least-once; not trained"
              + " twice), topics complete%n",
          killedAt, resumedAt, TRAIN, EPOCHS, duplicates);
    }
  }
}
