package io.igdstream.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CheckpointDirectory}: keeps the newest {@code keep} step files, and on resume returns the
 * newest one that reads back whole, reporting each damaged one it skips.
 */
@Tag("reliability")
class CheckpointDirectoryTest {

  @TempDir Path root;

  private final List<String> warnings = new ArrayList<>();

  /** Damaged files skipped across the tests, for the reliability table's summary line. */
  private static int skipped;

  private static int tests;

  @AfterEach
  void count() {
    skipped += warnings.size();
    tests++;
  }

  @AfterAll
  static void summary() {
    System.out.println(
        "CheckpointDirectoryTest: "
            + skipped
            + " damaged checkpoint files (truncated, random bytes, not a"
            + " checkpoint) skipped for the newest good one with a warning naming each, and a half-written temp file left by"
            + " a crash before its rename ignored, over "
            + tests
            + " cases");
  }

  @Test
  void aTempFileLeftByACrashBetweenWriteAndRenameIsIgnored() throws IOException {
    CheckpointDirectory checkpoints = new CheckpointDirectory(root, 2);
    Path good = checkpoints.save(at(1), 1);
    // what Safetensors.write leaves when killed before its rename: a hidden, half-written temp file
    byte[] whole = Files.readAllBytes(checkpoints.save(at(2), 2));
    Files.delete(root.resolve(name(2)));
    Files.write(
        root.resolve("." + name(2) + ".123456789.tmp"), Arrays.copyOf(whole, whole.length / 3));

    Optional<Checkpoint> latest = checkpoints.latest(warnings::add);

    assertEquals(1, stepOf(latest));
    assertEquals(
        List.of(good.getFileName().toString()),
        fileNames(root).stream().filter(n -> !n.startsWith(".")).toList());
    assertTrue(warnings.isEmpty(), "a temp file is not a checkpoint: " + warnings);
  }

  /** A small checkpoint that records its step in metadata and in a tensor value. */
  private static Checkpoint at(long step) {
    LinkedHashMap<String, TensorData> model = new LinkedHashMap<>();
    model.put("w", TensorData.ofFloats(new long[] {3}, new float[] {step, -step, 0.5f}));
    LinkedHashMap<String, TensorData> optimizer = new LinkedHashMap<>();
    optimizer.put("w.momentum", TensorData.ofFloats(new long[] {3}, new float[] {1, 2, 3}));
    return new Checkpoint(Map.of("step", Long.toString(step)), model, optimizer);
  }

  private static String name(long step) {
    return String.format("step-%09d.safetensors", step);
  }

  private static List<String> fileNames(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static long stepOf(Optional<Checkpoint> c) {
    assertTrue(c.isPresent(), "expected a checkpoint");
    return c.get().requireLong("step");
  }

  @Test
  void keepMustBeAtLeastOne() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new CheckpointDirectory(root, 0));
    assertTrue(e.getMessage().contains("keep must be >= 1, was 0"), e.getMessage());
  }

  @Test
  void saveCreatesTheDirectoryAndNamesTheFileByStep() {
    CheckpointDirectory checkpoints = new CheckpointDirectory(root.resolve("run/checkpoints"), 2);

    Path file = checkpoints.save(at(1234), 1234);

    assertEquals(root.resolve("run/checkpoints").resolve("step-000001234.safetensors"), file);
    assertEquals(at(1234).model(), Checkpoint.read(file).model());
  }

  @Test
  void saveKeepsOnlyTheNewestKeepAndLeavesNoTempFiles() throws IOException {
    CheckpointDirectory checkpoints = new CheckpointDirectory(root, 2);

    for (long step = 10; step <= 50; step += 10) {
      checkpoints.save(at(step), step);
    }

    assertEquals(List.of(name(40), name(50)), fileNames(root));
  }

  @Test
  void stepsCompareAsNumbersNotAsText() throws IOException {
    // "step-1000000000" sorts before "step-999999999" as text
    CheckpointDirectory checkpoints = new CheckpointDirectory(root, 1);

    checkpoints.save(at(999_999_999L), 999_999_999L);
    checkpoints.save(at(1_000_000_000L), 1_000_000_000L);

    assertEquals(List.of("step-1000000000.safetensors"), fileNames(root));
    assertEquals(1_000_000_000L, stepOf(checkpoints.latest(warnings::add)));
  }

  @Test
  void latestReturnsTheNewestCheckpoint() {
    CheckpointDirectory checkpoints = new CheckpointDirectory(root, 3);
    checkpoints.save(at(5), 5);
    checkpoints.save(at(6), 6);
    checkpoints.save(at(7), 7);

    Optional<Checkpoint> latest = checkpoints.latest(warnings::add);

    assertEquals(7, stepOf(latest));
    assertEquals(at(7).model(), latest.get().model());
    assertEquals(at(7).optimizer(), latest.get().optimizer());
    assertTrue(warnings.isEmpty(), warnings.toString());
  }

  @Test
  void savingAfterResumingPastADamagedNewerFileNeverDeletesTheNewCheckpoint() throws IOException {
    // keep = 1, a good step 100 and a damaged step 200: the run resumes from 100 and saves 150.
    // Pruning by step alone would delete 150 and leave only the damaged 200.
    CheckpointDirectory checkpoints = new CheckpointDirectory(root, 1);
    checkpoints.save(at(100), 100);
    Files.write(root.resolve(name(200)), new byte[] {1, 2, 3});
    assertEquals(100, stepOf(checkpoints.latest(warnings::add)));

    checkpoints.save(at(150), 150);

    assertEquals(List.of(name(150)), fileNames(root));
    assertEquals(150, stepOf(checkpoints.latest(warnings::add)));
  }

  @Test
  void latestSkipsATruncatedNewestFileWithAWarningNamingIt() throws IOException {
    CheckpointDirectory checkpoints = new CheckpointDirectory(root, 3);
    checkpoints.save(at(1), 1);
    Path newest = checkpoints.save(at(2), 2);
    byte[] whole = Files.readAllBytes(newest);
    Files.write(newest, Arrays.copyOf(whole, whole.length / 2));

    Optional<Checkpoint> latest = checkpoints.latest(warnings::add);

    assertEquals(1, stepOf(latest));
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains(newest.toString()), warnings.get(0));
  }

  @Test
  void latestSkipsACorruptedNewestFile() throws IOException {
    CheckpointDirectory checkpoints = new CheckpointDirectory(root, 3);
    checkpoints.save(at(1), 1);
    checkpoints.save(at(2), 2);
    Path newest = checkpoints.save(at(3), 3);
    byte[] noise = new byte[(int) Files.size(newest)];
    new Random(3).nextBytes(noise);
    Files.write(newest, noise);

    Optional<Checkpoint> latest = checkpoints.latest(warnings::add);

    assertEquals(2, stepOf(latest));
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains(newest.getFileName().toString()), warnings.get(0));
  }

  @Test
  void latestSkipsANewestFileThatIsNotACheckpoint() {
    CheckpointDirectory checkpoints = new CheckpointDirectory(root, 3);
    checkpoints.save(at(1), 1);
    Safetensors.write(
        root.resolve(name(2)), at(2).model(), Map.of()); // valid safetensors, no format

    assertEquals(1, stepOf(checkpoints.latest(warnings::add)));
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains(name(2)), warnings.get(0));
  }

  @Test
  void latestIsEmptyWhenEveryFileIsDamaged() throws IOException {
    CheckpointDirectory checkpoints = new CheckpointDirectory(root, 3);
    Path first = checkpoints.save(at(1), 1);
    Path second = checkpoints.save(at(2), 2);
    Files.write(first, new byte[] {1, 2, 3});
    Files.write(second, new byte[0]);

    assertTrue(checkpoints.latest(warnings::add).isEmpty());
    assertEquals(2, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains(name(2)), "newest is tried first: " + warnings);
    assertTrue(warnings.get(1).contains(name(1)), warnings.toString());
  }

  @Test
  void latestOfAnEmptyOrMissingDirectoryIsEmpty() throws IOException {
    Path empty = Files.createDirectory(root.resolve("empty"));

    assertEquals(Optional.empty(), new CheckpointDirectory(empty, 2).latest(warnings::add));
    assertEquals(
        Optional.empty(),
        new CheckpointDirectory(root.resolve("missing"), 2).latest(warnings::add));
    assertTrue(warnings.isEmpty(), warnings.toString());
    assertFalse(Files.exists(root.resolve("missing")), "latest must not create the directory");
  }

  @Test
  void otherFilesInTheDirectoryAreNeitherReadNorDeleted() throws IOException {
    Files.writeString(root.resolve("notes.txt"), "hello");
    Files.writeString(root.resolve("step-12.safetensors"), "too few digits, not a checkpoint name");
    Files.writeString(root.resolve(name(99) + ".bak"), "not a checkpoint name either");
    CheckpointDirectory checkpoints = new CheckpointDirectory(root, 1);

    checkpoints.save(at(1), 1);
    checkpoints.save(at(2), 2);

    assertEquals(
        List.of(
            "notes.txt",
            "step-000000002.safetensors",
            "step-000000099.safetensors.bak",
            "step-12.safetensors"),
        fileNames(root));
    assertEquals(2, stepOf(checkpoints.latest(warnings::add)));
    assertTrue(warnings.isEmpty(), warnings.toString());
  }
}
