package io.igdstream.core.data;

import static io.igdstream.core.data.Fixtures.fixture;
import static io.igdstream.core.data.Fixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10DatasetsTest {
  @TempDir Path tmp;

  /** A copy of the fixture's batch files directly in {@code tmp/c}, for corrupting. */
  private Path copyOfFixture() throws IOException {
    Path src = fixture("cifar10-tiny").resolve("cifar-10-batches-bin");
    Path dst = Files.createDirectories(tmp.resolve("c"));
    try (Stream<Path> files = Files.list(src)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, dst.resolve(f.getFileName()));
      }
    }
    return dst;
  }

  @Test
  void tinyFixtureLoadsFromTheParentOfCifar10BatchesBin() {
    DatasetSplits s = Datasets.load("cifar10", fixture("cifar10-tiny"), null);
    Dataset train = s.train();
    Dataset test = s.test();
    assertEquals(40, train.size());
    assertEquals(20, test.size());
    assertEquals(3, train.channels());
    assertEquals(32, train.height());
    assertEquals(32, train.width());
    assertEquals(Datasets.CIFAR10_CLASSES, train.classes());
    // Generator: label k = i % 10, R = 16k + x, G = 16k + y, B = 255 - 16k, R[0][0] = marker.
    for (int i = 0; i < 40; i++) {
      assertEquals(i % 10, train.labels()[i]);
      assertEquals(i, train.pixel(i, 0, 0, 0), "marker orders records across the 5 files");
    }
    assertEquals(16 * 7 + 5, train.pixel(17, 0, 9, 5));
    assertEquals(16 * 7 + 9, train.pixel(17, 1, 9, 5));
    assertEquals(255 - 16 * 7, train.pixel(17, 2, 9, 5));
    assertEquals(119, test.pixel(19, 0, 0, 0));
    assertEquals(9, test.labels()[19]);
  }

  @Test
  void batchFilesMayAlsoSitDirectlyInTheDataDir() {
    Path dir = fixture("cifar10-tiny").resolve("cifar-10-batches-bin");
    DatasetSplits s = Datasets.load("cifar10", dir, null);
    assertEquals(40, s.train().size());
    assertEquals(Augmentation.cifar(), Augmentation.defaultFor(s.train()));
  }

  @Test
  void classNamesComeFromBatchesMeta() throws IOException {
    Path dir = copyOfFixture();
    List<String> names = List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
    Files.write(dir.resolve("batches.meta.txt"), names, StandardCharsets.UTF_8);
    assertEquals(names, Datasets.load("cifar10", dir, null).train().classes());
    Files.delete(dir.resolve("batches.meta.txt"));
    assertEquals(Datasets.CIFAR10_CLASSES, Datasets.load("cifar10", dir, null).train().classes());
  }

  @Test
  void metaWithWrongNumberOfNamesIsReported() throws IOException {
    Path dir = copyOfFixture();
    Path meta = dir.resolve("batches.meta.txt");
    Files.writeString(meta, "cat\ndog\n");
    DatasetException e =
        assertThrows(DatasetException.class, () -> Datasets.load("cifar10", dir, null));
    assertEquals(meta + ": expected 10 class names, one per line, found 2", e.getMessage());
  }

  @Test
  void lengthNotAMultipleOfTheRecordSizeIsReported() throws IOException {
    Path dir = copyOfFixture();
    Path batch = dir.resolve("data_batch_3.bin");
    byte[] bytes = Files.readAllBytes(batch);
    Files.write(batch, java.util.Arrays.copyOf(bytes, bytes.length - 100));
    DatasetException e =
        assertThrows(DatasetException.class, () -> Datasets.load("cifar10", dir, null));
    assertEquals(
        batch
            + ": length 24484 is not a multiple of 3073 (1 label byte + 3072 pixel bytes per"
            + " record); truncated, or not the binary version of CIFAR-10",
        e.getMessage());
  }

  @Test
  void labelOutOfRangeIsReported() throws IOException {
    Path dir = copyOfFixture();
    Path batch = dir.resolve("test_batch.bin");
    byte[] bytes = Files.readAllBytes(batch);
    bytes[2 * 3073] = 10;
    Files.write(batch, bytes);
    DatasetException e =
        assertThrows(DatasetException.class, () -> Datasets.load("cifar10", dir, null));
    assertEquals(batch + ": label 10 of record 2 outside [0, 10)", e.getMessage());
  }

  @Test
  void missingBatchFileIsNamed() throws IOException {
    Path dir = copyOfFixture();
    Files.delete(dir.resolve("data_batch_5.bin"));
    DatasetException e =
        assertThrows(DatasetException.class, () -> Datasets.load("cifar10", dir, null));
    assertEquals(dir.resolve("data_batch_5.bin") + ": file not found", e.getMessage());
  }

  @Test
  void missingDataDirAndArchiveInsteadOfDirectoryAreExplained() {
    DatasetException none =
        assertThrows(DatasetException.class, () -> Datasets.load("cifar10", null, null));
    assertEquals(
        "cifar10: no data directory; pass --data-dir DIR containing cifar-10-batches-bin/"
            + " (data_batch_1.bin .. data_batch_5.bin, test_batch.bin)",
        none.getMessage());
    Path archive = write(tmp.resolve("cifar-10-binary.tar.gz"), new byte[] {1, 2, 3});
    DatasetException file =
        assertThrows(DatasetException.class, () -> Datasets.load("cifar10", archive, null));
    assertEquals(
        archive + ": is a file, expected a directory (unpack cifar-10-binary.tar.gz first)",
        file.getMessage());
  }
}
