package io.igdstream.app.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.igdstream.core.Seeds;
import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.io.CheckpointDirectory;
import io.igdstream.core.io.TensorData;
import io.igdstream.schemas.AdversarialSample;
import io.igdstream.schemas.AttackSettings;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.Tensors;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import io.igdstream.streams.kafka.TopicAdmin;
import io.igdstream.streams.kafka.TopicsSettings;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * `igd train` killed with SIGKILL at random points and restarted each time. On one partition it
 * ends with the same weights, bit for bit, and the same set of trained (sample id, epoch) as a run
 * that was never interrupted on the same records (fixed seed); on three partitions, where the
 * interleaving of the partitions may differ between runs, with exactly the same trained set, each
 * pair trained once. Each run is a child JVM.
 */
@Tag("broker")
@Tag("slow")
@Timeout(value = 600, unit = TimeUnit.SECONDS)
@Tag("reliability")
class TrainerKillTest {

  private static final int SAMPLES = 160;
  private static final int EPOCHS = 2;
  private static final int[] SHAPE = {1, 28, 28};
  private static final Pattern CHECKPOINT = Pattern.compile("step-(\\d+)\\.safetensors");

  @TempDir Path dir;

  @Test
  void aTrainerKilledFiveTimesEndsExactlyAsAnUninterruptedOne() throws Exception {
    Runs runs = killedAndUninterrupted(1, 5, 20261125);
    System.out.println("TrainerKillTest: killed at checkpointed steps " + runs.killedAt());

    Checkpoint a = Checkpoint.read(runs.straightOut().resolve("model.safetensors"));
    Checkpoint b = Checkpoint.read(runs.killedOut().resolve("model.safetensors"));
    assertEquals(a.model().keySet(), b.model().keySet());
    for (String name : a.model().keySet()) {
      assertArrayEquals(
          a.model().get(name).data(), b.model().get(name).data(), name + " bit-identical");
    }
    TensorData seenA = runs.lastStraight().optimizer().get("trainer.seen");
    TensorData seenB = runs.lastKilled().optimizer().get("trainer.seen");
    assertArrayEquals(seenA.data(), seenB.data(), "the same (sample id, epoch) set was trained");
    assertEquals(
        (long) SAMPLES * EPOCHS,
        runs.lastKilled().requireLong("trained"),
        "none skipped, none twice");
    assertEquals(0, runs.lastKilled().requireLong("duplicates"));
    assertEquals(runs.lastStraight().require("step"), runs.lastKilled().require("step"));
  }

  @Test
  void onThreePartitionsATrainerKilledThreeTimesTrainsEachSampleAndEpochExactlyOnce()
      throws Exception {
    Runs runs = killedAndUninterrupted(3, 3, 20261126);
    Set<Long> all = new HashSet<>();
    for (int e = 0; e < EPOCHS; e++) {
      for (int i = 0; i < SAMPLES; i++) {
        all.add(Seeds.mix(Seeds.ofText(id(i)), e));
      }
    }
    Checkpoint a = runs.lastStraight();
    Checkpoint b = runs.lastKilled();
    long duplicatesA = a.requireLong("duplicates");
    long duplicatesB = b.requireLong("duplicates");
    System.out.println(
        "TrainerKillTest (3 partitions): killed at checkpointed steps "
            + runs.killedAt()
            + ", trained "
            + b.requireLong("trained")
            + "/"
            + all.size()
            + " (sample id, epoch), duplicates dropped "
            + duplicatesB
            + " (uninterrupted "
            + duplicatesA
            + "), weights max abs diff vs uninterrupted "
            + maxAbsDiff(
                Checkpoint.read(runs.straightOut().resolve("model.safetensors")).model(),
                Checkpoint.read(runs.killedOut().resolve("model.safetensors")).model()));

    assertEquals(all, seen(a), "the uninterrupted run trained every (sample id, epoch)");
    assertEquals(all, seen(b), "the killed run trained every (sample id, epoch)");
    assertEquals(all.size(), a.requireLong("trained"));
    assertEquals(all.size(), b.requireLong("trained"), "none skipped, none twice");
    assertEquals(a.require("step"), b.require("step"));
    for (Checkpoint c : List.of(a, b)) {
      for (int p = 0; p < 3; p++) {
        assertEquals(
            SAMPLES * EPOCHS / 3 + (p < SAMPLES * EPOCHS % 3 ? 1 : 0),
            c.requireLong("offset." + p),
            "partition " + p + " read to its end");
      }
    }
  }

  /** The two runs' directories and final checkpoints, and where the killed one was killed. */
  private record Runs(
      Path straightOut,
      Path killedOut,
      Checkpoint lastStraight,
      Checkpoint lastKilled,
      List<Long> killedAt) {}

  /**
   * Trains on {@code partitions} partitions of NS.train.adversarial (records round-robin over them)
   * once uninterrupted and once killed {@code kills} times at random points, each life started
   * before its slice of the records is produced, so each kill lands mid-run.
   */
  private Runs killedAndUninterrupted(int partitions, int kills, long seed) throws Exception {
    Path conf = dir.resolve("tiny.conf");
    Files.writeString(
        conf,
        String.join(
            "\n",
            "igd.train.batch-size = 16",
            "igd.trainer.checkpoint-every = 2",
            "igd.trainer.snapshot-every = 3",
            "igd.topics.train-adversarial.partitions = " + partitions,
            ""));
    List<byte[]> adversarial = new ArrayList<>();
    for (int e = 0; e < EPOCHS; e++) {
      for (int i = 0; i < SAMPLES; i++) {
        adversarial.add(AvroCodec.of(AdversarialSample.class).encode(adversarialSample(i, e)));
      }
    }
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0)) {
      KafkaSettings kafka =
          KafkaSettings.fromConfig(ConfigFactory.load())
              .withBootstrapServers(broker.bootstrapServers());
      TopicNames straight = prepare(kafka, conf, "straight");
      TopicNames killed = prepare(kafka, conf, "killed");

      produce(kafka, straight.trainAdversarial(), adversarial, 0, partitions);
      Path straightOut = dir.resolve("straight");
      assertEquals(0, train(broker, straight, conf, straightOut).waitFor(), "uninterrupted run");

      // The killed run gets its records in kills + 1 slices, one per life.
      Path killedOut = dir.resolve("killed");
      Random random = new Random(seed);
      int slice = (adversarial.size() + kills) / (kills + 1);
      List<Long> killedAt = new ArrayList<>();
      for (int life = 0; life <= kills; life++) {
        long before = checkpointedStep(killedOut);
        Process p = train(broker, killed, conf, killedOut);
        try {
          int from = Math.min(life * slice, adversarial.size());
          produce(
              kafka,
              killed.trainAdversarial(),
              adversarial.subList(from, Math.min((life + 1) * slice, adversarial.size())),
              from,
              partitions);
          if (life < kills) {
            // Start-up takes from 2 s to well over 10 s on a busy machine: kill only once this life
            // has
            // trained and checkpointed, then at a random point (mid-step, mid-checkpoint, waiting
            // for records).
            awaitCheckpointAfter(killedOut, before, p, life);
            Thread.sleep(random.nextInt(1500));
            assertTrue(p.isAlive(), "life " + life + " still training when killed");
            p.destroyForcibly().waitFor(); // SIGKILL on Linux: no shutdown hook runs
            killedAt.add(checkpointedStep(killedOut));
          } else {
            assertEquals(0, p.waitFor(), "the last life finishes the run");
          }
        } finally {
          p.destroyForcibly(); // no child left behind when an assertion fails
        }
      }
      Checkpoint lastStraight =
          new CheckpointDirectory(straightOut.resolve("checkpoints"), 2)
              .latest(m -> {})
              .orElseThrow();
      Checkpoint lastKilled =
          new CheckpointDirectory(killedOut.resolve("checkpoints"), 2)
              .latest(m -> {})
              .orElseThrow();
      return new Runs(straightOut, killedOut, lastStraight, lastKilled, killedAt);
    }
  }

  private static TopicNames prepare(KafkaSettings kafka, Path conf, String prefix)
      throws Exception {
    TopicNames topics = new TopicNames(prefix);
    TopicAdmin.ensure(
        kafka.bootstrapServers(),
        TopicsSettings.fromConfig(
                ConfigFactory.parseFile(conf.toFile()).withFallback(ConfigFactory.load()))
            .specs(topics),
        Duration.ofSeconds(30));
    AvroCodec<ImageSample> codec = AvroCodec.of(ImageSample.class);
    List<byte[]> samples = new ArrayList<>();
    for (int i = 0; i < SAMPLES; i++) {
      samples.add(
          codec.encode(
              ImageSample.newBuilder()
                  .setId(id(i))
                  .setSplit(Split.TRAIN)
                  .setLabel(label(i))
                  .setClasses(10)
                  .setImage(Tensors.of(pixels(new Random(i)), SHAPE))
                  .setDataset("fixture")
                  .build()));
    }
    produce(kafka, topics.samples(), samples, 0, 1);
    return topics;
  }

  private static Process train(EmbeddedKafkaBroker broker, TopicNames topics, Path conf, Path out)
      throws Exception {
    return ChildIgd.start(
        "1g",
        out.resolveSibling(out.getFileName() + ".log"),
        List.of(
            "train",
            "--bootstrap-servers",
            broker.bootstrapServers(),
            "--topic-prefix",
            topics.prefix(),
            "--epochs",
            Integer.toString(EPOCHS),
            "--config",
            conf.toString(),
            "--metrics-port",
            "-1",
            "--out",
            out.toString()));
  }

  /** The step of the newest checkpoint file in {@code out}, -1 if none. */
  private static long checkpointedStep(Path out) {
    File[] files = out.resolve("checkpoints").toFile().listFiles();
    return files == null
        ? -1
        : Arrays.stream(files)
            .map(f -> CHECKPOINT.matcher(f.getName()))
            .filter(Matcher::matches)
            .mapToLong(m -> Long.parseLong(m.group(1)))
            .max()
            .orElse(-1);
  }

  private static void awaitCheckpointAfter(Path out, long step, Process p, int life)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (checkpointedStep(out) <= step) {
      assertTrue(p.isAlive(), "life " + life + " ended before its first checkpoint");
      assertTrue(
          System.nanoTime() < deadline,
          "life " + life + " wrote no checkpoint after step " + step + " in 3 min");
      Thread.sleep(50);
    }
  }

  /**
   * Sends {@code values[k]} to partition (first + k) mod {@code partitions} and waits for every
   * ack.
   */
  private static void produce(
      KafkaSettings kafka, String topic, List<byte[]> values, int first, int partitions)
      throws Exception {
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.producerProperties())) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (int k = 0; k < values.size(); k++) {
        sent.add(
            p.send(new ProducerRecord<>(topic, (first + k) % partitions, null, values.get(k))));
      }
      for (Future<RecordMetadata> f : sent) {
        f.get(30, TimeUnit.SECONDS);
      }
    }
  }

  private static Set<Long> seen(Checkpoint c) {
    Set<Long> out = new HashSet<>();
    ByteBuffer b =
        ByteBuffer.wrap(c.optimizer().get("trainer.seen").data()).order(ByteOrder.LITTLE_ENDIAN);
    while (b.remaining() >= Long.BYTES) {
      assertTrue(out.add(b.getLong()), "a (sample id, epoch) twice in the seen set");
    }
    return out;
  }

  private static double maxAbsDiff(Map<String, TensorData> a, Map<String, TensorData> b) {
    double max = 0;
    for (String name : a.keySet()) {
      if (!a.get(name).dtype().equals("F32")) {
        continue;
      }
      FloatBuffer x =
          ByteBuffer.wrap(a.get(name).data()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
      FloatBuffer y =
          ByteBuffer.wrap(b.get(name).data()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
      for (int i = 0; i < x.limit(); i++) {
        max = Math.max(max, Math.abs((double) x.get(i) - y.get(i)));
      }
    }
    return max;
  }

  private static String id(int i) {
    return String.format("train-%06d", i);
  }

  private static int label(int i) {
    return new Random(i).nextInt(10);
  }

  private static float[] pixels(Random r) {
    float[] x = new float[784];
    for (int k = 0; k < x.length; k++) {
      x[k] = r.nextFloat();
    }
    return x;
  }

  private static AdversarialSample adversarialSample(int i, int epoch) {
    Random r = new Random(i * 7919L + epoch);
    float[] x = pixels(r);
    float[] xAdv = new float[x.length];
    float[] g = new float[x.length];
    for (int k = 0; k < x.length; k++) {
      xAdv[k] = Math.min(1f, Math.max(0f, x[k] + (r.nextBoolean() ? 0.1f : -0.1f)));
      g[k] = (float) r.nextGaussian();
    }
    return AdversarialSample.newBuilder()
        .setSampleId(id(i))
        .setEpoch(epoch)
        .setLabel(label(i))
        .setClasses(10)
        .setX(Tensors.of(x, SHAPE))
        .setXAdv(Tensors.of(xAdv, SHAPE))
        .setTeacherGradient(Tensors.of(g, SHAPE))
        .setSnapshotVersion(0)
        .setModelId("igd-student")
        .setAttack(
            AttackSettings.newBuilder()
                .setName("pgd")
                .setEps(0.1f)
                .setAlpha(0.01f)
                .setSteps(10)
                .setRandomStart(true)
                .build())
        .setSeed(i)
        .build();
  }
}
