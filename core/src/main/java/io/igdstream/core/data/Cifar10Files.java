package io.igdstream.core.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the "CIFAR-10 binary version": data_batch_1..5.bin and test_batch.bin, each a sequence of
 * 3073-byte records (1 label byte, then 1024 R, 1024 G, 1024 B bytes of a 32x32 image, rows first),
 * which is already (C, H, W). Class names come from batches.meta.txt when present.
 */
final class Cifar10Files {
  static final int SIDE = 32;
  static final int IMAGE_BYTES = 3 * SIDE * SIDE;
  static final int RECORD_BYTES = 1 + IMAGE_BYTES;
  static final String SUBDIRECTORY = "cifar-10-batches-bin";
  static final List<String> TRAIN_FILES =
      List.of(
          "data_batch_1.bin",
          "data_batch_2.bin",
          "data_batch_3.bin",
          "data_batch_4.bin",
          "data_batch_5.bin");
  static final String TEST_FILE = "test_batch.bin";
  static final String META_FILE = "batches.meta.txt";

  private Cifar10Files() {}

  static DatasetSplits load(Path dataDir) {
    if (dataDir == null) {
      throw new DatasetException(
          "cifar10: no data directory; pass --data-dir DIR containing "
              + SUBDIRECTORY
              + "/ (data_batch_1.bin .. data_batch_5.bin, test_batch.bin)");
    }
    if (Files.isRegularFile(dataDir)) {
      throw new DatasetException(
          dataDir, "is a file, expected a directory (unpack cifar-10-binary.tar.gz first)");
    }
    IdxFiles.requireDirectory(dataDir);
    Path dir =
        Files.isDirectory(dataDir.resolve(SUBDIRECTORY)) ? dataDir.resolve(SUBDIRECTORY) : dataDir;
    List<String> classes = classes(dir.resolve(META_FILE));
    List<Path> trainFiles = new ArrayList<>();
    for (String f : TRAIN_FILES) {
      trainFiles.add(require(dir.resolve(f)));
    }
    Dataset train = read("cifar10", trainFiles, classes);
    Dataset test = read("cifar10", List.of(require(dir.resolve(TEST_FILE))), classes);
    return new DatasetSplits(train, test);
  }

  private static Path require(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new DatasetException(file, "file not found");
    }
    return file;
  }

  static List<String> classes(Path meta) {
    if (!Files.isRegularFile(meta)) {
      return Datasets.CIFAR10_CLASSES;
    }
    List<String> names = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(meta, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          names.add(line.strip());
        }
      }
    } catch (IOException e) {
      throw new DatasetException(meta, "cannot read (" + e + ")", e);
    }
    if (names.size() != 10) {
      throw new DatasetException(
          meta, "expected 10 class names, one per line, found " + names.size());
    }
    return names;
  }

  /** Concatenates the records of {@code files} into one dataset. */
  private static Dataset read(String name, List<Path> files, List<String> classes) {
    List<byte[]> contents = new ArrayList<>();
    int total = 0;
    for (Path file : files) {
      byte[] bytes = readAll(file);
      if (bytes.length % RECORD_BYTES != 0) {
        throw new DatasetException(
            file,
            "length "
                + bytes.length
                + " is not a multiple of "
                + RECORD_BYTES
                + " (1 label byte + 3072 pixel bytes per record); truncated, or not the binary"
                + " version of CIFAR-10");
      }
      for (int r = 0, n = bytes.length / RECORD_BYTES; r < n; r++) {
        int label = bytes[r * RECORD_BYTES] & 0xFF;
        if (label >= classes.size()) {
          throw new DatasetException(
              file, "label " + label + " of record " + r + " outside [0, " + classes.size() + ")");
        }
      }
      contents.add(bytes);
      total += bytes.length / RECORD_BYTES;
    }
    byte[] pixels = new byte[total * IMAGE_BYTES];
    int[] labels = new int[total];
    int i = 0;
    for (byte[] bytes : contents) {
      for (int at = 0; at < bytes.length; at += RECORD_BYTES, i++) {
        labels[i] = bytes[at] & 0xFF;
        System.arraycopy(bytes, at + 1, pixels, i * IMAGE_BYTES, IMAGE_BYTES);
      }
    }
    return new Dataset(name, 3, SIDE, SIDE, classes, pixels, labels);
  }

  private static byte[] readAll(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new DatasetException(file, "file not found", e);
    } catch (IOException e) {
      throw new DatasetException(file, "cannot read (" + e + ")", e);
    }
  }
}
