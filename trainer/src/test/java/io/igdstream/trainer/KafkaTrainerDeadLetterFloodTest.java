package io.igdstream.trainer;

import static io.igdstream.trainer.KafkaTrainerTest.ADVERSARIAL;
import static io.igdstream.trainer.KafkaTrainerTest.CLASSES;
import static io.igdstream.trainer.KafkaTrainerTest.IMAGES;
import static io.igdstream.trainer.KafkaTrainerTest.READY;
import static io.igdstream.trainer.KafkaTrainerTest.SHAPE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.igdstream.core.Seeds;
import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.io.CheckpointDirectory;
import io.igdstream.core.io.TensorData;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.train.TrainSettings;
import io.igdstream.schemas.AdversarialSample;
import io.igdstream.schemas.DeadLetter;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.ReasonCode;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.Tensor;
import io.igdstream.schemas.Tensors;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.Validators;
import io.igdstream.schemas.kafka.DeadLetterRecords;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.schemas.kafka.TopicScan;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import io.igdstream.streams.kafka.TopicAdmin;
import io.igdstream.streams.kafka.TopicsSettings;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10,000 malformed records of eight kinds interleaved with 320 valid ones on {@code
 * NS.train.adversarial} (all its partitions): every bad record lands in {@code NS.dlq} with its
 * reason, the trainer's dead-letter count (result and Prometheus counter) equals the number sent,
 * every valid (sample id, epoch) is trained exactly once, and the run ends normally. Tiny
 * small-cnn, 160 samples, batch 16, 2 epochs.
 */
@Tag("broker")
@Tag("slow")
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@Tag("reliability")
class KafkaTrainerDeadLetterFloodTest {

  private static final int SAMPLES = 160;
  private static final int EPOCHS = 2;
  private static final int PER_KIND = 1250;
  private static final int PIXELS = 28 * 28;

  @TempDir Path dir;

  @Test
  void everyBadRecordIsDeadLetteredWithItsReasonAndEveryValidOneIsTrainedOnce() throws Exception {
    List<Kind> kinds = badRecordKinds();
    List<byte[][]> records = new ArrayList<>();
    for (Kind kind : kinds) {
      for (int i = 0; i < PER_KIND; i++) {
        records.add(new byte[][] {key(kind.name() + "-" + i), kind.make().apply(i)});
      }
    }
    int bad = records.size();
    assertEquals(10_000, bad);
    List<byte[][]> valid = new ArrayList<>();
    Set<Long> expectedSeen = new HashSet<>();
    for (int e = 0; e < EPOCHS; e++) {
      for (int i = 0; i < SAMPLES; i++) {
        AdversarialSample s = KafkaTrainerTest.sample(i, e, 0);
        valid.add(new byte[][] {key(s.getSampleId()), ADVERSARIAL.encode(s)});
        expectedSeen.add(Seeds.mix(Seeds.ofText(s.getSampleId()), e));
      }
    }

    Config config =
        KafkaTrainerTest.config(
            "igd.trainer.snapshot-every = 10\nigd.trainer.checkpoint-every = 10");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0)) {
      KafkaSettings kafka =
          KafkaSettings.fromConfig(config).withBootstrapServers(broker.bootstrapServers());
      TopicNames topics = new TopicNames("flood");
      TopicAdmin.ensure(
          broker.bootstrapServers(), TopicsSettings.fromConfig(config).specs(topics), READY);
      int partitions =
          TopicsSettings.fromConfig(config).specs(topics).stream()
              .filter(t -> t.name().equals(topics.trainAdversarial()))
              .findFirst()
              .orElseThrow()
              .partitions();
      produceSamples(kafka, topics);
      // Interleaved round-robin over the partitions; each partition ends with a valid record, so
      // the run (done when every (sample id, epoch) is handled) has read every bad record by then.
      List<byte[][]> tail = new ArrayList<>(valid.subList(valid.size() - partitions, valid.size()));
      records.addAll(valid.subList(0, valid.size() - partitions));
      Collections.shuffle(records, new Random(7));
      records.addAll(tail);
      produce(kafka, topics.trainAdversarial(), records, partitions);

      PrometheusRegistry registry = new PrometheusRegistry();
      List<String> messages = new CopyOnWriteArrayList<>();
      TrainerSettings settings = TrainerSettings.fromConfig(config);
      KafkaTrainer trainer =
          new KafkaTrainer(
              settings,
              TrainSettings.fromConfig(config),
              kafka,
              topics,
              Architecture.of("small-cnn"),
              TrainingSplit.read(kafka, topics.samples(), READY),
              new CheckpointDirectory(dir.resolve("checkpoints"), settings.keepCheckpoints()),
              new TrainerMetrics(registry),
              new KafkaTrainer.Listener() {
                @Override
                public void onMessage(String message) {
                  messages.add(message);
                }
              });
      KafkaTrainerTest.close(trainer.run()); // throws if the trainer fails
      KafkaTrainer.Result result = trainer.result();
      assertTrue(trainer.done());

      Map<String, Integer> byKind = new TreeMap<>();
      Map<ReasonCode, Integer> byReason = new TreeMap<>();
      Set<String> keys = new HashSet<>();
      TopicScan.scan(
          kafka,
          topics.dlq(),
          READY,
          r -> {
            DeadLetter d = DeadLetterRecords.decode(r.value());
            String key = new String(r.key(), StandardCharsets.UTF_8);
            Kind kind =
                kinds.stream()
                    .filter(k -> key.startsWith(k.name() + "-"))
                    .findFirst()
                    .orElseThrow(
                        () ->
                            new AssertionError(
                                "a valid record was dead-lettered: " + key + ": " + d.getReason()));
            assertEquals(kind.reason(), d.getReasonCode(), key + ": " + d.getReason());
            assertEquals(topics.trainAdversarial(), d.getSourceTopic());
            assertTrue(keys.add(key), key + " dead-lettered twice");
            byKind.merge(kind.name(), 1, Integer::sum);
            byReason.merge(d.getReasonCode(), 1, Integer::sum);
          });
      for (Kind kind : kinds) {
        assertEquals(PER_KIND, byKind.getOrDefault(kind.name(), 0), kind.name());
      }
      assertEquals(bad, keys.size());
      assertEquals(
          bad, result.deadLetters(), "the trainer's dead-letter count equals the number sent");
      assertEquals(
          bad, skipped(registry, "dead-letter"), "igd_trainer_skipped_records{reason=dead-letter}");
      assertTrue(
          messages.stream().noneMatch(m -> m.contains("could not write a dead letter")),
          messages.toString());

      Checkpoint last =
          new CheckpointDirectory(dir.resolve("checkpoints"), 2).latest(m -> {}).orElseThrow();
      assertEquals(
          expectedSeen,
          seen(last.optimizer().get("trainer.seen")),
          "every valid (sample id, epoch) trained");
      assertEquals(valid.size(), result.trained(), "each trained once");
      assertEquals(valid.size(), last.requireLong("trained"));
      assertEquals(0, result.duplicates());
      assertEquals((long) SAMPLES * EPOCHS / 16, result.steps());

      System.out.println(
          "KafkaTrainerDeadLetterFloodTest: injected "
              + bad
              + " bad records of "
              + kinds.size()
              + " kinds over "
              + partitions
              + " partitions, dead-lettered "
              + result.deadLetters()
              + " (per reason "
              + byReason
              + "), valid trained "
              + result.trained()
              + "/"
              + valid.size());
    }
  }

  /** A kind of bad record: its name, the reason the trainer must give, and how to make the i-th. */
  private record Kind(String name, ReasonCode reason, IntFunction<byte[]> make) {}

  private static List<Kind> badRecordKinds() {
    String[] tensors = {"x", "x_adv", "teacher_gradient"};
    return List.of(
        new Kind(
            "random-bytes", ReasonCode.UNDECODABLE, KafkaTrainerDeadLetterFloodTest::randomBytes),
        new Kind(
            "truncated-avro",
            ReasonCode.UNDECODABLE,
            i -> {
              byte[] b = valid(i);
              return Arrays.copyOf(
                  b,
                  10 + Math.floorMod(i * 7919, b.length - 10)); // past the header, short of the end
            }),
        new Kind(
            "unknown-fingerprint",
            ReasonCode.UNKNOWN_SCHEMA,
            i -> {
              byte[] b = valid(i);
              for (int k = 2; k < 10; k++) { // C3 01, then the 8-byte schema fingerprint
                b[k] ^= (byte) (0xA5 ^ (i & 0x7F)); // never 0: every byte changes
              }
              return b;
            }),
        new Kind(
            "wrong-shape",
            ReasonCode.SHAPE_MISMATCH,
            i ->
                with(
                    i,
                    s -> {
                      switch (i % 3) {
                        case 0 ->
                            s.setX(
                                Tensors.of(
                                    new float[14 * 14],
                                    1,
                                    14,
                                    14)); // consistent, but not the dataset's shape
                        case 1 ->
                            s.getXAdv()
                                .setShape(List.of(1, 28, 27)); // data of 28x28 under a 28x27 shape
                        default ->
                            s.setTeacherGradient(Tensors.of(new float[PIXELS], PIXELS)); // rank 1
                      }
                    })),
        new Kind(
            "nan-inf",
            ReasonCode.NON_FINITE,
            i ->
                with(
                    i,
                    s ->
                        set(
                            s,
                            tensors[i % 3],
                            i % PIXELS,
                            new float[] {
                                  Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY
                                }
                                [(i / 3) % 3]))),
        new Kind(
            "pixel-range",
            ReasonCode.PIXEL_OUT_OF_RANGE,
            i ->
                with(
                    i,
                    s ->
                        set(
                            s,
                            tensors[i % 2],
                            i % PIXELS,
                            new float[] {1.5f, -0.25f, 1.0001f}[(i / 2) % 3]))),
        new Kind(
            "label-range",
            ReasonCode.LABEL_OUT_OF_RANGE,
            i ->
                with(
                    i,
                    s -> {
                      switch (i % 3) {
                        case 0 -> s.setLabel(CLASSES + i % 5);
                        case 1 -> s.setLabel(-1 - i % 5);
                        default -> { // valid on its own, but not for this model's 10 classes: the
                          // trainer's own check
                          s.setClasses(20);
                          s.setLabel(15);
                        }
                      }
                    })),
        new Kind(
            "oversize",
            ReasonCode.OVERSIZE,
            i ->
                with(
                    i,
                    s -> {
                      Tensor t = tensor(s, tensors[i % 3]);
                      if (i % 250
                          == 0) { // really carries 4 MiB + 4 bytes of data, over the per-tensor
                        // limit
                        int n = (int) (Validators.DEFAULT_MAX_TENSOR_BYTES / Float.BYTES) + 1;
                        t.setData(ByteBuffer.wrap(new byte[n * Float.BYTES]));
                        t.setShape(List.of(1, n));
                      } else { // claims 2000x2000 pixels (16 MB) with 3 KB of data: rejected before
                        // anything is allocated
                        t.setShape(List.of(1, 2000, 2000));
                      }
                    })));
  }

  private static AdversarialSample base(int i) {
    // sample ids the split does not have: had a bad record been trained, the seen set would show it
    AdversarialSample s = KafkaTrainerTest.sample(100_000 + i, i % EPOCHS, 0);
    s.setSampleId("bad-" + i);
    return s;
  }

  private static byte[] valid(int i) {
    return ADVERSARIAL.encode(base(i));
  }

  private static byte[] with(int i, Consumer<AdversarialSample> change) {
    AdversarialSample s = base(i);
    change.accept(s);
    return ADVERSARIAL.encode(s);
  }

  private static Tensor tensor(AdversarialSample s, String name) {
    return switch (name) {
      case "x" -> s.getX();
      case "x_adv" -> s.getXAdv();
      default -> s.getTeacherGradient();
    };
  }

  private static void set(AdversarialSample s, String name, int index, float value) {
    Tensor t = tensor(s, name);
    float[] v = Tensors.floats(t);
    v[index] = value;
    t.setData(Tensors.of(v, SHAPE).getData());
  }

  private static byte[] randomBytes(int i) {
    byte[] b = new byte[50 + i % 200];
    new Random(i).nextBytes(b);
    b[0] = 0; // never the single-object marker C3 01
    return b;
  }

  private static byte[] key(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** {@code NS.samples}: the 160 training samples the trainer counts an epoch by. */
  private static void produceSamples(KafkaSettings kafka, TopicNames topics) throws Exception {
    List<byte[][]> samples = new ArrayList<>();
    for (int i = 0; i < SAMPLES; i++) {
      Random r = new Random(i);
      ImageSample s =
          ImageSample.newBuilder()
              .setId(KafkaTrainerTest.id(i))
              .setSplit(Split.TRAIN)
              .setLabel(r.nextInt(CLASSES))
              .setClasses(CLASSES)
              .setImage(Tensors.of(KafkaTrainerTest.uniform(r), SHAPE))
              .setDataset("random")
              .build();
      samples.add(new byte[][] {key(s.getId()), IMAGES.encode(s)});
    }
    produce(kafka, topics.samples(), samples, 1);
  }

  /**
   * Sends the i-th record to partition i mod {@code partitions}, in order, and waits for every ack.
   */
  private static void produce(
      KafkaSettings kafka, String topic, List<byte[][]> records, int partitions) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.producerProperties())) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (int i = 0; i < records.size(); i++) {
        sent.add(
            p.send(
                new ProducerRecord<>(topic, i % partitions, records.get(i)[0], records.get(i)[1])));
      }
      for (Future<RecordMetadata> f : sent) {
        KafkaTrainerTest.await(f);
      }
    }
  }

  private static long skipped(PrometheusRegistry registry, String reason) {
    return registry.scrape().stream()
        .filter(s -> s.getMetadata().getName().equals("igd_trainer_skipped_records"))
        .flatMap(s -> ((CounterSnapshot) s).getDataPoints().stream())
        .filter(p -> reason.equals(p.getLabels().get("reason")))
        .mapToLong(p -> (long) p.getValue())
        .sum();
  }

  private static Set<Long> seen(TensorData t) {
    Set<Long> out = new HashSet<>();
    ByteBuffer b = ByteBuffer.wrap(t.data()).order(ByteOrder.LITTLE_ENDIAN);
    while (b.remaining() >= Long.BYTES) {
      out.add(b.getLong());
    }
    return out;
  }
}
