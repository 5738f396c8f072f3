package io.igdstream.core.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST (LeCun's layout: big-endian magic 0x00000803 for
 * uint8 images (N, rows, cols), 0x00000801 for uint8 labels (N)), plain or gzip-compressed. Gzip is
 * recognised by its magic bytes 1f 8b, not by the file name.
 */
final class IdxFiles {
  static final int IMAGES_MAGIC = 0x00000803;
  static final int LABELS_MAGIC = 0x00000801;

  static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
  static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
  static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
  static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
  static final List<String> FILES = List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS);

  private IdxFiles() {}

  /** Decoded image file: {@code count} images of rows x cols uint8 pixels. */
  record Images(Path file, int count, int rows, int cols, byte[] pixels) {}

  /**
   * Loads the four IDX files of {@code dir}. With {@code classes == null}, classes are "0".."k" for
   * k = the largest label; otherwise every label must be below {@code classes.size()}.
   */
  static DatasetSplits load(Path dir, String name, List<String> classes) {
    requireDirectory(dir);
    Images trainImages = readImages(find(dir, TRAIN_IMAGES));
    Path trainLabelsFile = find(dir, TRAIN_LABELS);
    int[] trainLabels = readLabels(trainLabelsFile);
    Images testImages = readImages(find(dir, TEST_IMAGES));
    Path testLabelsFile = find(dir, TEST_LABELS);
    int[] testLabels = readLabels(testLabelsFile);

    requireSameCount(trainLabelsFile, trainLabels, trainImages);
    requireSameCount(testLabelsFile, testLabels, testImages);
    if (testImages.rows() != trainImages.rows() || testImages.cols() != trainImages.cols()) {
      throw new DatasetException(
          testImages.file(),
          "images are "
              + testImages.rows()
              + "x"
              + testImages.cols()
              + " but the training images in "
              + trainImages.file().getFileName()
              + " are "
              + trainImages.rows()
              + "x"
              + trainImages.cols());
    }

    List<String> names = classes;
    if (names == null) {
      int max = Math.max(max(trainLabels), max(testLabels));
      List<String> derived = new ArrayList<>();
      for (int i = 0; i <= Math.max(max, 0); i++) {
        derived.add(Integer.toString(i));
      }
      names = derived;
    } else {
      requireLabelsBelow(trainLabelsFile, trainLabels, names.size());
      requireLabelsBelow(testLabelsFile, testLabels, names.size());
    }
    Dataset train =
        new Dataset(
            name,
            1,
            trainImages.rows(),
            trainImages.cols(),
            names,
            trainImages.pixels(),
            trainLabels);
    Dataset test =
        new Dataset(
            name, 1, testImages.rows(), testImages.cols(), names, testImages.pixels(), testLabels);
    return new DatasetSplits(train, test);
  }

  /** True when {@code dir} holds all four IDX files (plain or .gz). */
  static boolean hasAll(Path dir) {
    if (dir == null || !Files.isDirectory(dir)) {
      return false;
    }
    for (String base : FILES) {
      if (findOrNull(dir, base) == null) {
        return false;
      }
    }
    return true;
  }

  static void requireDirectory(Path dir) {
    if (!Files.exists(dir)) {
      throw new DatasetException(dir, "directory not found");
    }
    if (!Files.isDirectory(dir)) {
      throw new DatasetException(dir, "not a directory");
    }
  }

  /** {@code dir/base}, {@code dir/base.gz}, or the dotted variants ("train-images.idx3-ubyte"). */
  static Path find(Path dir, String base) {
    Path found = findOrNull(dir, base);
    if (found == null) {
      throw new DatasetException(
          dir.resolve(base + ".gz"), "file not found (nor " + base + " without .gz)");
    }
    return found;
  }

  private static Path findOrNull(Path dir, String base) {
    String dotted = base.replace("-idx", ".idx");
    for (String candidate : List.of(base, base + ".gz", dotted, dotted + ".gz")) {
      Path p = dir.resolve(candidate);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    return null;
  }

  static Images readImages(Path file) {
    byte[] bytes = readMaybeGzip(file);
    int[] dims = header(file, bytes, IMAGES_MAGIC, "IDX images", 3);
    int count = dims[0];
    int rows = dims[1];
    int cols = dims[2];
    if (rows <= 0 || cols <= 0) {
      throw new DatasetException(file, "invalid image size " + rows + "x" + cols);
    }
    long expected = (long) count * rows * cols;
    checkPayload(file, bytes.length - 16, expected, count + " images of " + rows + "x" + cols);
    return new Images(file, count, rows, cols, Arrays.copyOfRange(bytes, 16, bytes.length));
  }

  static int[] readLabels(Path file) {
    byte[] bytes = readMaybeGzip(file);
    int count = header(file, bytes, LABELS_MAGIC, "IDX labels", 1)[0];
    checkPayload(file, bytes.length - 8, count, count + " labels");
    int[] labels = new int[count];
    for (int i = 0; i < count; i++) {
      labels[i] = bytes[8 + i] & 0xFF;
    }
    return labels;
  }

  /** Checks the magic number and returns the dimension sizes. */
  private static int[] header(Path file, byte[] bytes, int magic, String kind, int dimensions) {
    int headerBytes = 4 + 4 * dimensions;
    if (bytes.length < 4) {
      throw new DatasetException(file, "too short for an IDX header (" + bytes.length + " bytes)");
    }
    int found = readInt(bytes, 0);
    if (found != magic) {
      throw new DatasetException(
          file,
          String.format("wrong magic number 0x%08X, expected 0x%08X (%s)", found, magic, kind));
    }
    if (bytes.length < headerBytes) {
      throw new DatasetException(
          file,
          "truncated: "
              + bytes.length
              + " bytes, shorter than the "
              + headerBytes
              + "-byte header");
    }
    int[] dims = new int[dimensions];
    for (int i = 0; i < dimensions; i++) {
      dims[i] = readInt(bytes, 4 + 4 * i);
      if (dims[i] < 0) {
        throw new DatasetException(file, "negative dimension " + dims[i] + " in header");
      }
    }
    return dims;
  }

  private static void checkPayload(Path file, long actual, long expected, String what) {
    if (actual < expected) {
      throw new DatasetException(
          file,
          "truncated: header announces "
              + what
              + " ("
              + expected
              + " bytes) but only "
              + actual
              + " bytes follow");
    }
    if (actual > expected) {
      throw new DatasetException(
          file,
          (actual - expected) + " unexpected bytes after " + what + " (corrupt or wrong header)");
    }
  }

  private static void requireSameCount(Path labelsFile, int[] labels, Images images) {
    if (labels.length != images.count()) {
      throw new DatasetException(
          labelsFile,
          labels.length
              + " labels but "
              + images.file().getFileName()
              + " has "
              + images.count()
              + " images");
    }
  }

  private static void requireLabelsBelow(Path file, int[] labels, int classCount) {
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] >= classCount) {
        throw new DatasetException(
            file, "label " + labels[i] + " of sample " + i + " outside [0, " + classCount + ")");
      }
    }
  }

  private static int max(int[] values) {
    int max = -1;
    for (int v : values) {
      max = Math.max(max, v);
    }
    return max;
  }

  private static int readInt(byte[] b, int at) {
    return ((b[at] & 0xFF) << 24)
        | ((b[at + 1] & 0xFF) << 16)
        | ((b[at + 2] & 0xFF) << 8)
        | (b[at + 3] & 0xFF);
  }

  /** The whole file, gunzipped when it starts with the gzip magic bytes 1f 8b. */
  static byte[] readMaybeGzip(Path file) {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      raw.mark(2);
      int b0 = raw.read();
      int b1 = raw.read();
      raw.reset();
      if (b0 == 0x1f && b1 == 0x8b) {
        try (InputStream gz = new GZIPInputStream(raw, 1 << 16)) {
          return gz.readAllBytes();
        } catch (EOFException e) {
          throw new DatasetException(file, "truncated gzip data", e);
        } catch (ZipException e) {
          throw new DatasetException(file, "corrupt gzip data (" + e.getMessage() + ")", e);
        }
      }
      return raw.readAllBytes();
    } catch (NoSuchFileException e) {
      throw new DatasetException(file, "file not found", e);
    } catch (IOException e) {
      throw new DatasetException(file, "cannot read (" + e + ")", e);
    }
  }
}
