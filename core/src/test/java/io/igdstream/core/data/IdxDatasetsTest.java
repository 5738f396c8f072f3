package io.igdstream.core.data;

import static io.igdstream.core.data.Fixtures.fixture;
import static io.igdstream.core.data.Fixtures.gzip;
import static io.igdstream.core.data.Fixtures.idxDirectory;
import static io.igdstream.core.data.Fixtures.idxImages;
import static io.igdstream.core.data.Fixtures.idxLabels;
import static io.igdstream.core.data.Fixtures.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxDatasetsTest {
  @TempDir Path tmp;

  @Test
  void fashionMnistFixtureLoadsWithShapesLabelsAndPixelsOfTheRealFiles() {
    DatasetSplits s = Datasets.load("fashion-mnist", fixture("fashion-mnist-small"), null);
    Dataset train = s.train();
    Dataset test = s.test();
    assertEquals(600, train.size());
    assertEquals(200, test.size());
    assertEquals(1, train.channels());
    assertEquals(28, train.height());
    assertEquals(28, train.width());
    assertEquals(784, train.imageSize());
    assertEquals(Datasets.FASHION_MNIST_CLASSES, train.classes());
    assertEquals("Ankle boot", train.classes().get(9));
    // Values read from /usr/share/datasets/fashion-mnist with Python (see fixtures/README.md).
    assertArrayEquals(new int[] {9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, Arrays.copyOf(train.labels(), 10));
    assertEquals(1, train.labels()[599]);
    assertEquals(0, train.pixel(0, 0, 3, 11));
    assertEquals(1, train.pixel(0, 0, 3, 12));
    assertEquals(73, train.pixel(0, 0, 3, 16));
    assertEquals(217, train.pixel(0, 0, 14, 14));
    assertEquals(252, train.pixel(1, 0, 10, 10));
    assertEquals(35, train.pixel(599, 0, 14, 14));
    int sum = 0;
    for (int i = 0; i < 784; i++) {
      sum += train.pixels()[i] & 0xFF;
    }
    assertEquals(76247, sum);
    assertArrayEquals(new int[] {9, 2, 1, 1, 6}, Arrays.copyOf(test.labels(), 5));
    assertEquals(1, test.labels()[199]);
    assertEquals(110, test.pixel(0, 0, 14, 14));
  }

  @Test
  void idxSpecReadsTheSameFixtureWithNumericClasses() {
    Path dir = fixture("fashion-mnist-small");
    DatasetSplits named = Datasets.load("fashion-mnist", dir, null);
    DatasetSplits idx = Datasets.load("idx:" + dir, null, null);
    assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), idx.train().classes());
    assertEquals("fashion-mnist-small", idx.train().name());
    assertArrayEquals(named.train().pixels(), idx.train().pixels());
    assertArrayEquals(named.test().labels(), idx.test().labels());
  }

  @Test
  void mnistSpecUsesDigitClassNames() {
    DatasetSplits s = Datasets.load("mnist", fixture("fashion-mnist-small"), null);
    assertEquals(Datasets.MNIST_CLASSES, s.train().classes());
    assertEquals("mnist", s.train().name());
  }

  @Test
  void imageSizeResamplesIdxImages() {
    DatasetSplits s = Datasets.load("fashion-mnist", fixture("fashion-mnist-small"), 32);
    assertEquals(32, s.train().height());
    assertEquals(32, s.test().width());
    assertEquals(600, s.train().size());
  }

  @Test
  void plainIdxClassesAreZeroToMaxLabel() {
    Path dir = idxDirectory(tmp.resolve("d"), new int[] {0, 4, 2, 1, 0, 3}, new int[] {1, 2, 0, 0});
    DatasetSplits s = Datasets.load("idx:" + dir, null, null);
    assertEquals(List.of("0", "1", "2", "3", "4"), s.train().classes());
    assertEquals(3, s.train().height());
    assertEquals(2, s.train().width());
    assertEquals(4 * 7 + 5, s.train().pixel(4, 0, 2, 1));
  }

  @Test
  void gzipIsDetectedByMagicBytesNotByName() throws IOException {
    Path dir = idxDirectory(tmp.resolve("d"), new int[] {0, 1, 2, 1, 0, 1}, new int[] {1, 2, 0, 0});
    Path plain = dir.resolve("train-images-idx3-ubyte");
    byte[] original = Files.readAllBytes(plain);
    // gzip content without .gz ...
    Files.write(plain, gzip(original));
    // ... and plain content named .gz.
    Path labels = dir.resolve("t10k-labels-idx1-ubyte");
    Files.move(labels, dir.resolve("t10k-labels-idx1-ubyte.gz"));
    DatasetSplits s = Datasets.load("idx:" + dir, null, null);
    assertEquals(6, s.train().size());
    assertArrayEquals(Arrays.copyOfRange(original, 16, original.length), s.train().pixels());
    assertArrayEquals(new int[] {1, 2, 0, 0}, s.test().labels());
  }

  @Test
  void wrongMagicNumberIsNamedWithFileAndExpectation() {
    Path dir = idxDirectory(tmp.resolve("d"), new int[] {0, 1, 2, 1, 0, 1}, new int[] {1, 2, 0, 0});
    Path images = write(dir.resolve("train-images-idx3-ubyte"), gzip(idxLabels(1, 2, 3)));
    DatasetException e =
        assertThrows(DatasetException.class, () -> Datasets.load("idx:" + dir, null, null));
    assertEquals(
        images + ": wrong magic number 0x00000801, expected 0x00000803 (IDX images)",
        e.getMessage());
  }

  @Test
  void truncatedImageFileIsReported() {
    Path dir = idxDirectory(tmp.resolve("d"), new int[] {0, 1, 2, 1, 0, 1}, new int[] {1, 2, 0, 0});
    byte[] full = idxImages(6, 3, 2);
    Path images = write(dir.resolve("train-images-idx3-ubyte"), Arrays.copyOf(full, 16 + 30));
    DatasetException e =
        assertThrows(DatasetException.class, () -> Datasets.load("idx:" + dir, null, null));
    assertEquals(
        images
            + ": truncated: header announces 6 images of 3x2 (36 bytes) but only 30 bytes follow",
        e.getMessage());
  }

  @Test
  void truncatedGzipStreamIsReported() {
    Path dir = idxDirectory(tmp.resolve("d"), new int[] {0, 1, 2, 1, 0, 1}, new int[] {1, 2, 0, 0});
    byte[] gz = gzip(idxImages(6, 3, 2));
    Path images = write(dir.resolve("train-images-idx3-ubyte"), Arrays.copyOf(gz, gz.length - 12));
    DatasetException e =
        assertThrows(DatasetException.class, () -> Datasets.load("idx:" + dir, null, null));
    assertEquals(images + ": truncated gzip data", e.getMessage());
  }

  @Test
  void headerShorterThanItsDimensionsIsReported() {
    Path dir = idxDirectory(tmp.resolve("d"), new int[] {0, 1, 2, 1, 0, 1}, new int[] {1, 2, 0, 0});
    Path labels = write(dir.resolve("t10k-labels-idx1-ubyte"), new byte[] {0, 0, 8, 1, 0, 0});
    DatasetException e =
        assertThrows(DatasetException.class, () -> Datasets.load("idx:" + dir, null, null));
    assertEquals(labels + ": truncated: 6 bytes, shorter than the 8-byte header", e.getMessage());
  }

  @Test
  void imageAndLabelCountMismatchNamesBothFiles() {
    Path dir = idxDirectory(tmp.resolve("d"), new int[] {0, 1, 2, 1, 0, 1}, new int[] {1, 2, 0, 0});
    Path labels = write(dir.resolve("train-labels-idx1-ubyte"), idxLabels(0, 1, 2, 1, 0));
    DatasetException e =
        assertThrows(DatasetException.class, () -> Datasets.load("idx:" + dir, null, null));
    assertEquals(labels + ": 5 labels but train-images-idx3-ubyte has 6 images", e.getMessage());
  }

  @Test
  void labelOutOfRangeForAKnownDatasetIsReported() {
    Path dir =
        idxDirectory(tmp.resolve("d"), new int[] {0, 1, 2, 10, 0, 1}, new int[] {1, 2, 0, 0});
    DatasetException e =
        assertThrows(DatasetException.class, () -> Datasets.load("fashion-mnist", dir, null));
    assertEquals(
        dir.resolve("train-labels-idx1-ubyte") + ": label 10 of sample 3 outside [0, 10)",
        e.getMessage());
  }

  @Test
  void testImagesOfAnotherSizeAreReported() {
    Path dir = idxDirectory(tmp.resolve("d"), new int[] {0, 1, 2, 1, 0, 1}, new int[] {1, 2, 0, 0});
    Path test = write(dir.resolve("t10k-images-idx3-ubyte"), idxImages(4, 2, 3));
    DatasetException e =
        assertThrows(DatasetException.class, () -> Datasets.load("idx:" + dir, null, null));
    assertEquals(
        test + ": images are 2x3 but the training images in train-images-idx3-ubyte are 3x2",
        e.getMessage());
  }

  @Test
  void missingFileIsNamed() throws IOException {
    Path dir = idxDirectory(tmp.resolve("d"), new int[] {0, 1, 2, 1, 0, 1}, new int[] {1, 2, 0, 0});
    Files.delete(dir.resolve("t10k-images-idx3-ubyte"));
    DatasetException e =
        assertThrows(DatasetException.class, () -> Datasets.load("idx:" + dir, null, null));
    assertEquals(
        dir.resolve("t10k-images-idx3-ubyte.gz")
            + ": file not found (nor t10k-images-idx3-ubyte without .gz)",
        e.getMessage());
  }

  @Test
  void missingDirectoryIsNamed() {
    Path dir = tmp.resolve("nowhere");
    DatasetException e =
        assertThrows(DatasetException.class, () -> Datasets.load("mnist", dir, null));
    assertEquals(dir + ": directory not found", e.getMessage());
  }

  @Test
  void mnistWithoutDataDirTellsTheUserToPassOne() {
    assumeTrue(!IdxFiles.hasAll(Datasets.MNIST_DIR), "a packaged MNIST exists here");
    DatasetException e =
        assertThrows(DatasetException.class, () -> Datasets.load("mnist", null, null));
    assertTrue(e.getMessage().startsWith("mnist: no data directory; pass --data-dir DIR"));
    assertTrue(!e.getMessage().contains("\n"));
  }

  @Test
  void unknownSpecAndBadImageSizeAreRejected() {
    DatasetException e =
        assertThrows(DatasetException.class, () -> Datasets.load("imagenet", null, null));
    assertEquals(
        "imagenet: unknown dataset; expected fashion-mnist, mnist, cifar10, idx:DIR or folder:DIR",
        e.getMessage());
    assertThrows(DatasetException.class, () -> Datasets.load("zip:/x", null, null));
    assertThrows(DatasetException.class, () -> Datasets.load("idx:", null, null));
    DatasetException size =
        assertThrows(DatasetException.class, () -> Datasets.load("idx:" + tmp, null, 0));
    assertEquals("idx:" + tmp + ": image size must be > 0, was 0", size.getMessage());
  }

  @Test
  void packagedFashionMnistLoadsWellUnderTwoSeconds() {
    assumeTrue(
        IdxFiles.hasAll(DebianDatasetPackage.FASHION_MNIST_DIR), "dataset-fashion-mnist missing");
    long start = System.nanoTime();
    DatasetSplits s = Datasets.load(null, null, null);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(60_000, s.train().size());
    assertEquals(10_000, s.test().size());
    assertEquals(9, s.train().labels()[0]);
    assertEquals(217, s.train().pixel(0, 0, 14, 14));
    assertTrue(millis < 2000, "loading took " + millis + " ms");
  }
}
