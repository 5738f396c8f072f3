package io.igdstream.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * `igd train` killed with SIGKILL at five random points and restarted each time ends with the
 * same weights, bit for bit, and the same set of trained (sample id, epoch) as a run that was never
 * interrupted on the same records (one partition, fixed seed). Each run is a child JVM.
 */
@Tag("broker")
@Tag("slow")
@Timeout(value = 600, unit = TimeUnit.SECONDS)
@Tag("reliability")
class TrainerKillTest {

  private static final int SAMPLES = 160;
  private static final int EPOCHS = 2;
  private static final int KILLS = 5;
  private static final int[] SHAPE = {1, 28, 28};

  @TempDir Path dir;

  @Test
  void aTrainerKilledFiveTimesEndsExactlyAsAnUninterruptedOne() throws Exception {
    Path conf = dir.resolve("tiny.conf");
    Files.writeString(conf, String.join("\n",
        "igd.train.batch-size = 16", "igd.trainer.checkpoint-every = 2", "igd.trainer.snapshot-every = 3",
        "igd.topics.train-adversarial.partitions = 1", ""));
    List<byte[]> adversarial = new ArrayList<>();
    for (int e = 0; e < EPOCHS; e++) {
      for (int i = 0; i < SAMPLES; i++) {
        adversarial.add(AvroCodec.of(AdversarialSample.class).encode(adversarialSample(i, e)));
      }
    }
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0)) {
      KafkaSettings kafka = KafkaSettings.fromConfig(ConfigFactory.load()).withBootstrapServers(broker.bootstrapServers());
      TopicNames straight = prepare(kafka, conf, "straight");
      TopicNames killed = prepare(kafka, conf, "killed");

      produce(kafka, straight.trainAdversarial(), adversarial);
      Path straightOut = dir.resolve("straight");
      assertEquals(0, train(broker, straight, conf, straightOut).waitFor(), "uninterrupted run");

      // The killed run gets its records in six slices, one per life, so each kill lands mid-run.
      Path killedOut = dir.resolve("killed");
      Random random = new Random(20261125);
      int slice = (adversarial.size() + KILLS) / (KILLS + 1);
      List<String> killedAt = new ArrayList<>();
      for (int life = 0; life <= KILLS; life++) {
        Process p = train(broker, killed, conf, killedOut);
        produce(kafka, killed.trainAdversarial(),
            adversarial.subList(Math.min(life * slice, adversarial.size()), Math.min((life + 1) * slice, adversarial.size())));
        if (life < KILLS) {
          Thread.sleep(3000 + random.nextInt(3000)); // start-up, then some steps, then SIGKILL
          assertTrue(p.isAlive(), "life " + life + " still training when killed");
          p.destroyForcibly().waitFor(); // SIGKILL on Linux: no shutdown hook runs
          killedAt.add(latestStep(killedOut));
        } else {
          assertEquals(0, p.waitFor(), "the last life finishes the run");
        }
      }
      System.out.println("TrainerKillTest: killed at checkpointed steps " + killedAt);

      Checkpoint a = Checkpoint.read(straightOut.resolve("model.safetensors"));
      Checkpoint b = Checkpoint.read(killedOut.resolve("model.safetensors"));
      assertEquals(a.model().keySet(), b.model().keySet());
      for (String name : a.model().keySet()) {
        assertArrayEquals(a.model().get(name).data(), b.model().get(name).data(), name + " bit-identical");
      }
      Checkpoint lastA = new CheckpointDirectory(straightOut.resolve("checkpoints"), 2).latest(m -> { }).orElseThrow();
      Checkpoint lastB = new CheckpointDirectory(killedOut.resolve("checkpoints"), 2).latest(m -> { }).orElseThrow();
      TensorData seenA = lastA.optimizer().get("trainer.seen");
      TensorData seenB = lastB.optimizer().get("trainer.seen");
      assertArrayEquals(seenA.data(), seenB.data(), "the same (sample id, epoch) set was trained");
      assertEquals((long) SAMPLES * EPOCHS, lastB.requireLong("trained"), "none skipped, none twice");
      assertEquals(0, lastB.requireLong("duplicates"));
      assertEquals(lastA.require("step"), lastB.require("step"));
    }
  }

  private static TopicNames prepare(KafkaSettings kafka, Path conf, String prefix) throws Exception {
    TopicNames topics = new TopicNames(prefix);
    TopicAdmin.ensure(kafka.bootstrapServers(),
        TopicsSettings.fromConfig(ConfigFactory.parseFile(conf.toFile()).withFallback(ConfigFactory.load())).specs(topics),
        Duration.ofSeconds(30));
    AvroCodec<ImageSample> codec = AvroCodec.of(ImageSample.class);
    List<byte[]> samples = new ArrayList<>();
    for (int i = 0; i < SAMPLES; i++) {
      samples.add(codec.encode(ImageSample.newBuilder().setId(id(i)).setSplit(Split.TRAIN).setLabel(label(i)).setClasses(10)
          .setImage(Tensors.of(pixels(new Random(i)), SHAPE)).setDataset("fixture").build()));
    }
    produce(kafka, topics.samples(), samples);
    return topics;
  }

  private static Process train(EmbeddedKafkaBroker broker, TopicNames topics, Path conf, Path out) throws Exception {
    List<String> cmd = List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Dai.djl.offline=true", "-Xss4m", "-Xmx1g",
        "-cp", System.getProperty("java.class.path"), IgdCommand.class.getName(),
        "train", "--bootstrap-servers", broker.bootstrapServers(), "--topic-prefix", topics.prefix(),
        "--epochs", Integer.toString(EPOCHS), "--config", conf.toString(), "--metrics-port", "-1", "--out", out.toString());
    Path log = out.resolveSibling(out.getFileName() + ".log");
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
  }

  private static String latestStep(Path out) {
    File[] files = out.resolve("checkpoints").toFile().listFiles();
    return files == null ? "none" : java.util.Arrays.stream(files).map(File::getName).sorted().reduce((x, y) -> y).orElse("none");
  }

  private static void produce(KafkaSettings kafka, String topic, List<byte[]> values) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.producerProperties())) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (byte[] v : values) {
        sent.add(p.send(new ProducerRecord<>(topic, 0, null, v)));
      }
      for (Future<RecordMetadata> f : sent) {
        f.get(30, TimeUnit.SECONDS);
      }
    }
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
    return AdversarialSample.newBuilder().setSampleId(id(i)).setEpoch(epoch).setLabel(label(i)).setClasses(10)
        .setX(Tensors.of(x, SHAPE)).setXAdv(Tensors.of(xAdv, SHAPE)).setTeacherGradient(Tensors.of(g, SHAPE))
        .setSnapshotVersion(0).setModelId("igd-student")
        .setAttack(AttackSettings.newBuilder().setName("pgd").setEps(0.1f).setAlpha(0.01f).setSteps(10).setRandomStart(true).build())
        .setSeed(i).build();
  }
}
