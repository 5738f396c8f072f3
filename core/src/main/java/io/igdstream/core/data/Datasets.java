package io.igdstream.core.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Loads datasets by spec into {@link DatasetSplits} of uint8 (N, C, H, W) images.
 *
 * <table>
 *   <caption>Specs</caption>
 *   <tr><th>spec</th><th>source</th><th>shape</th></tr>
 *   <tr><td>fashion-mnist (default)</td><td>IDX files in dataDir, else
 *       /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist)</td>
 *       <td>1x28x28, 10 classes</td></tr>
 *   <tr><td>mnist</td><td>IDX files in dataDir (required)</td><td>1x28x28, "0".."9"</td></tr>
 *   <tr><td>cifar10</td><td>dataDir with cifar-10-batches-bin/ or its files (required)</td>
 *       <td>3x32x32</td></tr>
 *   <tr><td>idx:DIR</td><td>the four IDX files in DIR; classes "0".."max label"</td>
 *       <td>1xHxW</td></tr>
 *   <tr><td>folder:DIR</td><td>one sub-folder of PNG/JPEG per class</td><td>1 or 3 x H x W</td>
 *   </tr>
 * </table>
 *
 * <p>{@code idx:} and {@code folder:} name their directory themselves and ignore dataDir. When
 * {@code imageSize} is given, every image is resampled to imageSize x imageSize (see {@link
 * Dataset#resized}); without it, folder images must all share one size. Loading never installs
 * anything; see {@link DebianDatasetPackage#ensureFashionMnist}.
 */
public final class Datasets {
  /** Fashion-MNIST class names, in label order. */
  public static final List<String> FASHION_MNIST_CLASSES =
      List.of(
          "T-shirt/top",
          "Trouser",
          "Pullover",
          "Dress",
          "Coat",
          "Sandal",
          "Shirt",
          "Sneaker",
          "Bag",
          "Ankle boot");

  /** MNIST class names "0".."9". */
  public static final List<String> MNIST_CLASSES =
      List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

  /** The canonical CIFAR-10 class names, used when batches.meta.txt is missing. */
  public static final List<String> CIFAR10_CLASSES =
      List.of(
          "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

  /** The spec used when none is given. */
  public static final String DEFAULT_SPEC = "fashion-mnist";

  /** Where a Debian package would put MNIST, checked when mnist is asked for without dataDir. */
  static final Path MNIST_DIR = Path.of("/usr/share/datasets/mnist");

  private Datasets() {}

  /**
   * Loads both splits of a dataset.
   *
   * @param spec "fashion-mnist" (also when null or blank), "mnist", "cifar10", "idx:DIR" or
   *     "folder:DIR"
   * @param dataDir directory of the named datasets' files, or null for the default location
   * @param imageSize side length to resample every image to, or null to keep the native size
   * @throws DatasetException when files are missing or invalid; the message names the file
   */
  public static DatasetSplits load(String spec, Path dataDir, Integer imageSize) {
    String s = spec == null || spec.isBlank() ? DEFAULT_SPEC : spec.strip();
    if (imageSize != null && imageSize <= 0) {
      throw new DatasetException(s + ": image size must be > 0, was " + imageSize);
    }
    int colon = s.indexOf(':');
    String kind = (colon < 0 ? s : s.substring(0, colon)).toLowerCase(Locale.ROOT);
    String argument = colon < 0 ? null : s.substring(colon + 1);
    if (colon >= 0 && !kind.equals("idx") && !kind.equals("folder")) {
      throw unknown(s);
    }
    if (argument != null && argument.isBlank()) {
      throw new DatasetException(s + ": missing directory after '" + kind + ":'");
    }
    DatasetSplits splits;
    switch (kind) {
      case "fashion-mnist", "fashion_mnist", "fashionmnist" -> {
        Path dir = dataDir != null ? dataDir : DebianDatasetPackage.FASHION_MNIST_DIR;
        if (dataDir == null && !IdxFiles.hasAll(dir)) {
          throw DebianDatasetPackage.notFound(dir);
        }
        splits = IdxFiles.load(dir, "fashion-mnist", FASHION_MNIST_CLASSES);
      }
      case "mnist" -> {
        Path dir = dataDir;
        if (dir == null) {
          if (!IdxFiles.hasAll(MNIST_DIR)) {
            throw new DatasetException(
                "mnist: no data directory; pass --data-dir DIR with the IDX files "
                    + "(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,"
                    + " t10k-labels-idx1-ubyte, each optionally .gz)");
          }
          dir = MNIST_DIR;
        }
        splits = IdxFiles.load(dir, "mnist", MNIST_CLASSES);
      }
      case "cifar10", "cifar-10" -> splits = Cifar10Files.load(dataDir);
      case "idx" -> {
        Path dir = Path.of(argument);
        splits = IdxFiles.load(dir, directoryName(dir), null);
      }
      case "folder" -> {
        // The folder loader resizes while decoding, so mixed sizes never need one array.
        return ImageFolder.load(Path.of(argument), imageSize);
      }
      default -> throw unknown(s);
    }
    if (imageSize != null) {
      splits =
          new DatasetSplits(
              splits.train().resized(imageSize, imageSize),
              splits.test().resized(imageSize, imageSize));
    }
    return splits;
  }

  private static String directoryName(Path dir) {
    Path name = dir.toAbsolutePath().normalize().getFileName();
    return name == null ? dir.toString() : name.toString();
  }

  private static DatasetException unknown(String spec) {
    return new DatasetException(
        spec + ": unknown dataset; expected fashion-mnist, mnist, cifar10, idx:DIR or folder:DIR");
  }
}
