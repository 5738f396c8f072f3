package io.igdstream.core.data;

import static io.igdstream.core.data.Fixtures.fixture;
import static io.igdstream.core.data.Fixtures.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderDatasetsTest {
  @TempDir Path tmp;

  private static Path png(Path file, int height, int width, int rgb) throws IOException {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, rgb);
      }
    }
    Files.createDirectories(file.getParent());
    ImageIO.write(image, "png", file.toFile());
    return file;
  }

  private static Path greyPng(Path file, int height, int width, int value) throws IOException {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.getRaster().setSample(x, y, 0, (value + x) & 0xFF);
      }
    }
    Files.createDirectories(file.getParent());
    ImageIO.write(image, "png", file.toFile());
    return file;
  }

  @Test
  void tinyFolderHoldsOutEverySixthFilePerClass() {
    DatasetSplits s = Datasets.load("folder:" + fixture("folder-tiny"), null, null);
    Dataset train = s.train();
    Dataset test = s.test();
    assertEquals(List.of("blue", "green", "red"), train.classes());
    assertEquals("folder-tiny", train.name());
    assertEquals(3, train.channels());
    assertEquals(12, train.height());
    assertEquals(12, train.width());
    assertEquals(21, train.size());
    assertEquals(3, test.size());
    assertArrayEquals(
        new int[] {0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2}, train.labels());
    assertArrayEquals(new int[] {0, 1, 2}, test.labels());
    // train 0 = blue/img_00: colour (20, 40, 200), white pixel at (y=0, x=2).
    assertEquals(20, train.pixel(0, 0, 5, 5));
    assertEquals(40, train.pixel(0, 1, 5, 5));
    assertEquals(200, train.pixel(0, 2, 5, 5));
    for (int c = 0; c < 3; c++) {
      assertEquals(255, train.pixel(0, c, 0, 2));
    }
    // train 5 = blue/img_06 (img_05 is held out): blue 206, white at (6, 8).
    assertEquals(206, train.pixel(5, 2, 0, 0));
    assertEquals(255, train.pixel(5, 0, 6, 8));
    // test 2 = red/img_05: red 225, white at (5, 7).
    assertEquals(225, test.pixel(2, 0, 11, 11));
    assertEquals(30, test.pixel(2, 1, 11, 11));
    assertEquals(255, test.pixel(2, 2, 5, 7));
  }

  @Test
  void splitIsDeterministic() {
    DatasetSplits a = Datasets.load("folder:" + fixture("folder-tiny"), null, null);
    DatasetSplits b = Datasets.load("folder:" + fixture("folder-tiny"), null, null);
    assertArrayEquals(a.train().pixels(), b.train().pixels());
    assertArrayEquals(a.train().labels(), b.train().labels());
    assertArrayEquals(a.test().pixels(), b.test().pixels());
  }

  @Test
  void imageSizeResizesEveryImage() {
    DatasetSplits s = Datasets.load("folder:" + fixture("folder-tiny"), null, 6);
    assertEquals(6, s.train().height());
    assertEquals(6, s.train().width());
    // A uniform region stays exactly its colour after resampling.
    assertEquals(200, s.train().pixel(0, 2, 5, 5));
  }

  @Test
  void trainAndTestSubfoldersAreUsedAsSplits() throws IOException {
    Path dir = tmp.resolve("ds");
    png(dir.resolve("train/cat/a.png"), 4, 5, 0x102030);
    png(dir.resolve("train/cat/b.png"), 4, 5, 0x102031);
    png(dir.resolve("train/dog/a.jpg.png"), 4, 5, 0x405060);
    png(dir.resolve("test/cat/z.png"), 4, 5, 0x708090);
    png(dir.resolve("test/dog/y.png"), 4, 5, 0xA0B0C0);
    write(dir.resolve("test/dog/notes.txt"), new byte[] {1});
    DatasetSplits s = Datasets.load("folder:" + dir, null, null);
    assertEquals(List.of("cat", "dog"), s.train().classes());
    assertEquals(3, s.train().size());
    assertEquals(2, s.test().size());
    assertArrayEquals(new int[] {0, 0, 1}, s.train().labels());
    assertEquals(0x31, s.train().pixel(1, 2, 3, 4));
    assertEquals(0xB0, s.test().pixel(1, 1, 0, 0));
  }

  @Test
  void trainAndTestWithDifferentClassesAreRejected() throws IOException {
    Path dir = tmp.resolve("ds");
    png(dir.resolve("train/cat/a.png"), 4, 4, 0);
    png(dir.resolve("test/dog/a.png"), 4, 4, 0);
    DatasetException e =
        assertThrows(DatasetException.class, () -> Datasets.load("folder:" + dir, null, null));
    assertEquals(
        dir.resolve("test") + ": class folders [dog] differ from train/ [cat]", e.getMessage());
  }

  @Test
  void allGreyImagesGiveOneChannelWithExactValues() throws IOException {
    Path dir = tmp.resolve("ds");
    for (int i = 0; i < 6; i++) {
      greyPng(dir.resolve("a/" + i + ".png"), 3, 4, 100 + i);
      greyPng(dir.resolve("b/" + i + ".png"), 3, 4, 10 + i);
    }
    DatasetSplits s = Datasets.load("folder:" + dir, null, null);
    assertEquals(1, s.train().channels());
    assertEquals(10, s.train().size());
    assertEquals(2, s.test().size());
    // No sRGB round trip: the stored sample comes back unchanged.
    assertEquals(100 + 0 + 3, s.train().pixel(0, 0, 2, 3));
    assertEquals(105 + 1, s.test().pixel(0, 0, 0, 1));
  }

  @Test
  void greyImagesAmongColourOnesAreReplicatedToThreeChannels() throws IOException {
    Path dir = tmp.resolve("ds");
    greyPng(dir.resolve("a/0.png"), 3, 4, 77);
    png(dir.resolve("b/0.png"), 3, 4, 0x010203);
    DatasetSplits s = Datasets.load("folder:" + dir, null, null);
    assertEquals(3, s.train().channels());
    for (int c = 0; c < 3; c++) {
      assertEquals(77, s.train().pixel(0, c, 1, 0));
    }
    assertEquals(3, s.train().pixel(1, 2, 1, 0));
  }

  @Test
  void jpegFilesAreRead() throws IOException {
    Path dir = tmp.resolve("ds");
    BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        image.setRGB(x, y, 0xC86432);
      }
    }
    Files.createDirectories(dir.resolve("a"));
    ImageIO.write(image, "jpeg", dir.resolve("a/p.JPG").toFile());
    Dataset train = Datasets.load("folder:" + dir, null, null).train();
    assertEquals(3, train.channels());
    assertTrue(Math.abs(train.pixel(0, 0, 4, 4) - 0xC8) <= 3, "red " + train.pixel(0, 0, 4, 4));
    assertTrue(Math.abs(train.pixel(0, 2, 4, 4) - 0x32) <= 3, "blue " + train.pixel(0, 2, 4, 4));
  }

  @Test
  void mixedSizesWithoutImageSizeNameTheOddFile() throws IOException {
    Path dir = tmp.resolve("ds");
    png(dir.resolve("a/0.png"), 4, 4, 0);
    Path odd = png(dir.resolve("b/0.png"), 5, 4, 0);
    DatasetException e =
        assertThrows(DatasetException.class, () -> Datasets.load("folder:" + dir, null, null));
    assertEquals(
        odd + ": image is 5x4 (HxW) but 0.png is 4x4; pass an image size to resize all images",
        e.getMessage());
    DatasetSplits resized = Datasets.load("folder:" + dir, null, 4);
    assertEquals(4, resized.train().height());
    assertEquals(2, resized.train().size());
  }

  @Test
  void emptyClassFolderIsRejected() throws IOException {
    Path dir = tmp.resolve("ds");
    png(dir.resolve("a/0.png"), 4, 4, 0);
    write(dir.resolve("b/readme.txt"), new byte[] {1});
    DatasetException e =
        assertThrows(DatasetException.class, () -> Datasets.load("folder:" + dir, null, null));
    assertEquals(
        dir.resolve("b") + ": empty class folder (no .png, .jpg or .jpeg files)", e.getMessage());
  }

  @Test
  void unreadableImageIsNamed() throws IOException {
    Path dir = tmp.resolve("ds");
    png(dir.resolve("a/0.png"), 4, 4, 0);
    Path bad =
        write(
            dir.resolve("a/1.png"),
            "not an image".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    DatasetException e =
        assertThrows(DatasetException.class, () -> Datasets.load("folder:" + dir, null, null));
    assertEquals(bad + ": unreadable image (not a PNG or JPEG file)", e.getMessage());
  }

  @Test
  void folderWithoutClassFoldersIsRejected() throws IOException {
    Path dir = tmp.resolve("ds");
    png(dir.resolve("0.png"), 4, 4, 0);
    DatasetException e =
        assertThrows(DatasetException.class, () -> Datasets.load("folder:" + dir, null, null));
    assertEquals(
        dir + ": no class folders (expected one sub-folder of PNG/JPEG images per class)",
        e.getMessage());
  }
}
