package io.igdstream.core.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Locates the committed fixtures and writes IDX files for the bad-input tests. */
final class Fixtures {
  private Fixtures() {}

  static Path fixture(String name) {
    URL url = Fixtures.class.getResource("/fixtures/" + name);
    if (url == null) {
      throw new IllegalStateException("fixture missing: " + name);
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An IDX image file body: magic, n, rows, cols, then the given pixels. */
  static byte[] idxImages(int magic, int n, int rows, int cols, byte[] pixels) {
    ByteBuffer b = ByteBuffer.allocate(16 + pixels.length);
    b.putInt(magic).putInt(n).putInt(rows).putInt(cols).put(pixels);
    return b.array();
  }

  /** A well-formed IDX image file whose pixel i of image k is (k * 7 + i) mod 256. */
  static byte[] idxImages(int n, int rows, int cols) {
    byte[] pixels = new byte[n * rows * cols];
    for (int k = 0; k < n; k++) {
      for (int i = 0; i < rows * cols; i++) {
        pixels[k * rows * cols + i] = (byte) (k * 7 + i);
      }
    }
    return idxImages(IdxFiles.IMAGES_MAGIC, n, rows, cols, pixels);
  }

  static byte[] idxLabels(int... labels) {
    ByteBuffer b = ByteBuffer.allocate(8 + labels.length);
    b.putInt(IdxFiles.LABELS_MAGIC).putInt(labels.length);
    for (int l : labels) {
      b.put((byte) l);
    }
    return b.array();
  }

  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static Path write(Path file, byte[] data) {
    try {
      Files.createDirectories(file.getParent());
      return Files.write(file, data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A complete, valid IDX directory: 6 train and 4 test 3x2 images, labels as given. */
  static Path idxDirectory(Path dir, int[] trainLabels, int[] testLabels) {
    write(dir.resolve("train-images-idx3-ubyte"), idxImages(trainLabels.length, 3, 2));
    write(dir.resolve("train-labels-idx1-ubyte"), idxLabels(trainLabels));
    write(dir.resolve("t10k-images-idx3-ubyte"), idxImages(testLabels.length, 3, 2));
    write(dir.resolve("t10k-labels-idx1-ubyte"), idxLabels(testLabels));
    return dir;
  }
}
