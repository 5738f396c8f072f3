package io.igdstream.streams.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.DeadLetter;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.ReasonCode;
import io.igdstream.schemas.RecordDecodingException;
import io.igdstream.schemas.SampleAgreement;
import io.igdstream.schemas.SchemaCatalog;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.Tensors;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.Validators;
import io.igdstream.schemas.kafka.DeadLetterRecords;
import io.igdstream.schemas.kafka.Decoded;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * clients/python/produce_images.py against the in-process broker: a folder of 64 training and 16
 * test grey 28×28 PNGs of 3 classes (written here) arrives on {@code NS.samples} as exactly those
 * images and labels, decoded by the project's own codec, keyed and partitioned as {@link
 * SampleIngest} would, and passes the validation augment and evaluate apply and {@link
 * SampleAgreement}; a corrupted or disagreeing record takes the dead-letter path; a re-run adds
 * nothing; bad input exits 2 with one line. Skipped when no python3 has confluent_kafka, avro,
 * numpy and PIL.
 */
@Tag("broker")
@Tag("slow")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PythonProducerTest {

  private static final Path SCRIPT = Path.of("..", "clients", "python", "produce_images.py");
  private static final AvroCodec<ImageSample> SAMPLES = AvroCodec.of(ImageSample.class);
  private static final int[] SHAPE = {1, 28, 28};
  private static final int CLASSES = 3;
  private static final int TRAIN = 64;
  private static final int TEST = 16;
  private static final int PARTITIONS = 4;

  @TempDir Path dir;

  private static String python;

  /** One expected record: its split, label and pixel bytes. */
  private record Expected(Split split, int label, byte[] pixels) {}

  @BeforeAll
  static void requirePython() {
    String candidate = System.getenv().getOrDefault("IGD_CLIENT_PYTHON", "/usr/bin/python3");
    assumeTrue(Files.isExecutable(Path.of(candidate)), candidate + " not found");
    Run r = run(List.of(candidate, "-c", "import confluent_kafka, avro.io, numpy, PIL"));
    assumeTrue(
        r.exit == 0,
        candidate
            + " lacks python3-confluent-kafka, python3-avro, python3-numpy or python3-pil: "
            + r.stderr.strip());
    python = candidate;
  }

  private record Run(int exit, String stdout, String stderr) {}

  private static Run run(List<String> command) {
    try {
      Path out = Files.createTempFile("produce-images-", ".out");
      Path err = Files.createTempFile("produce-images-", ".err");
      try {
        ProcessBuilder pb =
            new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        Process p = pb.start();
        if (!p.waitFor(240, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new IllegalStateException(command + " timed out: " + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Run produce(String... args) {
    List<String> command = new ArrayList<>(List.of(python, SCRIPT.toString()));
    command.addAll(List.of(args));
    return run(command);
  }

  /**
   * Writes train/ and test/ class folders of seeded grey PNGs; returns id → expected record, ids
   * numbered per split in class-folder then file-name order (as ImageFolder and the script read).
   */
  private static Map<String, Expected> writeFolder(Path root) throws IOException {
    SplittableRandom random = new SplittableRandom(7);
    Map<String, Expected> expected = new HashMap<>();
    for (Split split : List.of(Split.TRAIN, Split.TEST)) {
      int n = split == Split.TRAIN ? TRAIN : TEST;
      int index = 0;
      for (int c = 0; c < CLASSES; c++) {
        Path classDir =
            Files.createDirectories(
                root.resolve(split == Split.TRAIN ? "train" : "test").resolve("class_" + c));
        int count = n / CLASSES + (c < n % CLASSES ? 1 : 0);
        for (int i = 0; i < count; i++) {
          byte[] pixels = new byte[28 * 28];
          BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
          for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
              // a class-dependent stripe plus noise, every byte value possible
              int v = ((x + y * c) % 7 == 0 ? 200 : 30) + random.nextInt(56);
              pixels[y * 28 + x] = (byte) v;
              image.getRaster().setSample(x, y, 0, v);
            }
          }
          ImageIO.write(image, "png", classDir.resolve(String.format("img_%03d.png", i)).toFile());
          expected.put(SampleIngest.id(split, index++), new Expected(split, c, pixels));
        }
      }
    }
    return expected;
  }

  private static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
    List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.<String, Object>of("bootstrap.servers", bootstrap),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        assertTrue(System.nanoTime() < deadline, "timed out reading " + topic);
        consumer.poll(Duration.ofMillis(200)).forEach(all::add);
      }
    }
    return all;
  }

  /** The validation augment and evaluate apply to a consumed sample (shape, pixels, classes). */
  private static Decoded<ImageSample> validated(ConsumerRecord<byte[], byte[]> r, int[] shape) {
    return Decoded.of(
        r,
        SAMPLES,
        s -> {
          Validators.validate(s, shape);
          if (s.getClasses() != CLASSES) {
            throw new RecordDecodingException(
                ReasonCode.LABEL_OUT_OF_RANGE, "sample " + s.getId() + " has other classes");
          }
        });
  }

  @Test
  void aFolderArrivesAsExactlyItsImagesAndLabelsAndPassesTheRolesValidation() throws Exception {
    Path folder = dir.resolve("shapes");
    Map<String, Expected> expected = writeFolder(folder);
    TopicNames topics = new TopicNames("python-producer-test");

    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0)) {
      Run first =
          produce(
              "--bootstrap-servers",
              broker.bootstrapServers(),
              "--topic-prefix",
              topics.prefix(),
              "--folder",
              folder.toString(),
              "--partitions",
              Integer.toString(PARTITIONS));
      assertEquals(0, first.exit, first.stderr);
      assertTrue(first.stderr.contains("done: wrote 80, skipped 0"), first.stderr);
      System.err.println("produce_images.py: " + first.stderr.strip().replace("\n", " | "));

      List<ConsumerRecord<byte[], byte[]>> records =
          readAll(broker.bootstrapServers(), topics.samples());

      assertEquals(TRAIN + TEST, records.size());
      byte[] header = SchemaCatalog.of(topics).entry("ImageSample").header();
      Map<String, ImageSample> byId = new HashMap<>();
      for (ConsumerRecord<byte[], byte[]> r : records) {
        String key = new String(r.key(), StandardCharsets.UTF_8);
        assertArrayEquals(header, java.util.Arrays.copyOf(r.value(), 10), key);
        assertEquals(
            Utils.toPositive(Utils.murmur2(r.key())) % PARTITIONS,
            r.partition(),
            key + ": partitioned as the Java producer would");
        assertEquals(0, r.headers().toArray().length, key);
        Decoded<ImageSample> d = validated(r, SHAPE);
        assertTrue(d.ok(), () -> key + ": " + d.deadLetter());
        ImageSample s = d.value();
        assertEquals(key, s.getId().toString());
        byId.put(key, s);
      }
      assertEquals(expected.keySet(), byId.keySet());
      // --dataset topic's validator: the records agree with each other, and give the dataset
      SampleAgreement agreement = new SampleAgreement();
      for (ConsumerRecord<byte[], byte[]> r : records) {
        Decoded<ImageSample> d = Decoded.of(r, SAMPLES, agreement);
        assertTrue(d.ok(), () -> String.valueOf(d.deadLetter()));
      }
      SampleAgreement.Facts facts = agreement.facts().orElseThrow();
      assertArrayEquals(SHAPE, facts.shape());
      assertEquals(CLASSES, facts.classes());
      assertEquals(List.of("class_0", "class_1", "class_2"), facts.classNames());
      ImageSample smaller =
          ImageSample.newBuilder(byId.get("train-000000"))
              .setId("train-000999")
              .setImage(Tensors.of(new float[14 * 14], 1, 14, 14))
              .build();
      Decoded<ImageSample> disagreeing =
          Decoded.of(copy(records.get(0), SAMPLES.encode(smaller)), SAMPLES, agreement);
      assertEquals(ReasonCode.SHAPE_MISMATCH, disagreeing.deadLetter().getReasonCode());
      for (Map.Entry<String, Expected> e : expected.entrySet()) {
        ImageSample s = byId.get(e.getKey());
        Expected x = e.getValue();
        assertEquals(x.split(), s.getSplit(), e.getKey());
        assertEquals(x.label(), s.getLabel(), e.getKey());
        assertEquals(CLASSES, s.getClasses(), e.getKey());
        assertEquals("folder:" + folder, s.getDataset().toString());
        assertEquals(List.of("class_0", "class_1", "class_2"), s.getClassNames(), e.getKey());
        assertArrayEquals(SHAPE, Tensors.shape(s.getImage()), e.getKey());
        float[] pixels = Tensors.floats(s.getImage());
        for (int i = 0; i < pixels.length; i++) {
          assertEquals((x.pixels()[i] & 0xff) / 255f, pixels[i], 0f, e.getKey() + " pixel " + i);
        }
      }

      // a re-run finds every id on the topic and writes nothing
      Run again =
          produce(
              "--bootstrap-servers",
              broker.bootstrapServers(),
              "--topic-prefix",
              topics.prefix(),
              "--folder",
              folder.toString());
      assertEquals(0, again.exit, again.stderr);
      assertTrue(again.stderr.contains("done: wrote 0, skipped 80"), again.stderr);
      assertEquals(TRAIN + TEST, readAll(broker.bootstrapServers(), topics.samples()).size());

      // bad records take the dead-letter path: a foreign fingerprint, a shape the roles reject
      ConsumerRecord<byte[], byte[]> good = records.get(0);
      byte[] foreign = good.value().clone();
      foreign[5] ^= 0x5a;
      Decoded<ImageSample> unknown = validated(copy(good, foreign), SHAPE);
      assertFalse(unknown.ok());
      assertEquals(ReasonCode.UNKNOWN_SCHEMA, unknown.deadLetter().getReasonCode());
      Decoded<ImageSample> wrongShape = validated(good, new int[] {3, 28, 28});
      assertFalse(wrongShape.ok());
      assertEquals(ReasonCode.SHAPE_MISMATCH, wrongShape.deadLetter().getReasonCode());
      DeadLetter letter = wrongShape.deadLetter();
      ProducerRecord<byte[], byte[]> dlq = DeadLetterRecords.of(topics.dlq(), letter);
      assertEquals(topics.dlq(), dlq.topic());
      assertArrayEquals(good.key(), dlq.key());
      assertNotNull(letter.getReason());
    }
  }

  /**
   * Python writes x (uint8, N×H×W), y, x_test (float32 in [0, 1], N×H×W×1), y_test and class_names
   * from formulas this test repeats.
   */
  private static final String WRITE_NPZ =
      """
      import sys
      import numpy as np
      i, r, c = np.meshgrid(np.arange(20), np.arange(28), np.arange(28), indexing="ij")
      x = ((i * 31 + r * 7 + c * 3) % 256).astype(np.uint8)
      it, rt, ct = np.meshgrid(np.arange(6), np.arange(28), np.arange(28), indexing="ij")
      xt = (((it * 13 + rt * 5 + ct) % 100).astype(np.float32) / np.float32(100))[..., None]
      np.savez(sys.argv[1], x=x, y=np.arange(20) % 2, x_test=xt, y_test=(np.arange(6) + 1) % 2,
               class_names=np.array(["left", "right"]))
      np.savez(sys.argv[2], x=np.zeros((4, 28, 28, 5), np.uint8), y=np.zeros(4, np.int64))
      """;

  @Test
  void numpyArraysArriveAsTheirPixelsInEitherLayoutAndDtype() throws Exception {
    Path good = dir.resolve("arrays.npz");
    Path bad = dir.resolve("five-channels.npz");
    Run written = run(List.of(python, "-c", WRITE_NPZ, good.toString(), bad.toString()));
    assertEquals(0, written.exit, written.stderr);
    assertOneLineError(
        produce("--bootstrap-servers", "127.0.0.1:1", "--npz", bad.toString()),
        "x has shape [4, 28, 28, 5]");
    TopicNames topics = new TopicNames("python-producer-npz");

    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0)) {
      Run r =
          produce(
              "--bootstrap-servers",
              broker.bootstrapServers(),
              "--topic-prefix",
              topics.prefix(),
              "--npz",
              good.toString(),
              "--dataset",
              "toy-arrays");
      assertEquals(0, r.exit, r.stderr);

      List<ConsumerRecord<byte[], byte[]>> records =
          readAll(broker.bootstrapServers(), topics.samples());
      assertEquals(26, records.size());
      for (ConsumerRecord<byte[], byte[]> record : records) {
        Decoded<ImageSample> d = Decoded.of(record, SAMPLES, s -> Validators.validate(s, SHAPE));
        assertTrue(d.ok(), () -> String.valueOf(d.deadLetter()));
        ImageSample s = d.value();
        boolean train = s.getSplit() == Split.TRAIN;
        int i = Integer.parseInt(s.getId().substring(train ? 6 : 5));
        assertEquals(SampleIngest.id(s.getSplit(), i), s.getId());
        assertEquals(train ? i % 2 : (i + 1) % 2, s.getLabel(), s.getId());
        assertEquals(2, s.getClasses());
        assertEquals(List.of("left", "right"), s.getClassNames());
        assertEquals("toy-arrays", s.getDataset());
        float[] pixels = Tensors.floats(s.getImage());
        for (int y = 0; y < 28; y++) {
          for (int x = 0; x < 28; x++) {
            float expected =
                train
                    ? ((i * 31 + y * 7 + x * 3) % 256) / 255f
                    : (float) ((i * 13 + y * 5 + x) % 100) / 100f;
            assertEquals(expected, pixels[y * 28 + x], 0f, s.getId() + " (" + y + ", " + x + ")");
          }
        }
      }
    }
  }

  private static ConsumerRecord<byte[], byte[]> copy(ConsumerRecord<byte[], byte[]> r, byte[] v) {
    return new ConsumerRecord<>(r.topic(), r.partition(), r.offset(), r.key(), v);
  }

  @Test
  void pythonsFingerprintOfEveryAvscIgdSchemasWritesIsTheJavaHeader() throws IOException {
    SchemaCatalog catalog = SchemaCatalog.of(new TopicNames("NS"));
    Path avsc = dir.resolve("avsc");
    catalog.writeAvsc(avsc);
    String listing =
        """
        import json, os, sys
        sys.path.insert(0, sys.argv[1])
        import produce_images as p
        for f in sorted(os.listdir(sys.argv[2])):
            with open(os.path.join(sys.argv[2], f)) as s:
                print(f[:-5], " ".join("%02X" % b for b in p.single_object_header(json.load(s))))
        """;
    Run r =
        run(
            List.of(
                python,
                "-c",
                listing,
                SCRIPT.getParent().toAbsolutePath().toString(),
                avsc.toString()));
    assertEquals(0, r.exit, r.stderr);

    Map<String, String> headers = new HashMap<>();
    for (String line : r.stdout.strip().split("\n")) {
      String[] parts = line.split(" ", 2);
      headers.put(parts[0], parts[1]);
    }
    assertEquals(catalog.entries().size(), headers.size(), r.stdout);
    for (SchemaCatalog.Entry e : catalog.entries()) {
      assertEquals(e.headerHex(), headers.get(e.simpleName()), e.fullName());
    }
    Run printed = produce("--print-header", "--folder", "unused");
    assertEquals(catalog.entry("ImageSample").headerHex(), printed.stdout.strip());
    Run fromFile =
        produce(
            "--print-header",
            "--folder",
            "unused",
            "--schema",
            avsc.resolve("ImageSample.avsc").toString());
    assertEquals(catalog.entry("ImageSample").headerHex(), fromFile.stdout.strip());
  }

  @Test
  void badInputExitsWithStatus2AndOneLine() throws IOException {
    Path folder = dir.resolve("bad");
    writeFolder(folder);
    String noBroker = "127.0.0.1:1"; // never reached: input is checked first

    Run missing =
        produce("--bootstrap-servers", noBroker, "--folder", dir.resolve("nope").toString());
    assertOneLineError(missing, "no such directory");

    Path junk = folder.resolve("train").resolve("class_1").resolve("img_999.png");
    Files.writeString(junk, "not a png");
    assertOneLineError(
        produce("--bootstrap-servers", noBroker, "--folder", folder.toString()),
        "img_999.png: unreadable image");

    Files.delete(junk);
    ImageIO.write(
        new BufferedImage(20, 20, BufferedImage.TYPE_BYTE_GRAY),
        "png",
        folder.resolve("test").resolve("class_2").resolve("img_999.png").toFile());
    assertOneLineError(
        produce("--bootstrap-servers", noBroker, "--folder", folder.toString()),
        "img_999.png: image is 20x20 (HxW) but img_000.png is 28x28");
  }

  private static void assertOneLineError(Run r, String part) {
    assertEquals(2, r.exit, r.stderr);
    String text = r.stderr.strip();
    assertFalse(text.contains("\n"), "one line: " + text);
    assertTrue(text.startsWith("produce_images.py: error: "), text);
    assertTrue(text.contains(part), "'" + part + "' missing in: " + text);
  }
}
