package io.igdstream.core.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Reads an image-folder dataset: one sub-folder per class (sorted folder names give the class
 * indices) holding PNG/JPEG files, decoded with javax.imageio. With {@code train/} and {@code
 * test/} sub-folders those are the splits; otherwise every 6th file of each class (sorted by name;
 * positions 5, 11, 17, ...) is held out as test, so the split is stratified and deterministic.
 *
 * <p>Channels: 1 when every image is grey, else 3 (RGB; alpha dropped, grey images replicated).
 */
final class ImageFolder {
  /** Each class keeps 1 file in this many for the test split. */
  static final int HOLDOUT_EVERY = 6;

  private ImageFolder() {}

  /** One decoded image: 1 plane (grey) or 3 planes (RGB) of height x width bytes. */
  private record Decoded(Path file, boolean grey, int height, int width, byte[] planes) {}

  private record Item(Path file, int label) {}

  static DatasetSplits load(Path dir, Integer imageSize) {
    IdxFiles.requireDirectory(dir);
    if (imageSize != null && imageSize <= 0) {
      throw new DatasetException(dir, "image size must be > 0, was " + imageSize);
    }
    String name = dir.getFileName() == null ? dir.toString() : dir.getFileName().toString();
    List<Item> trainItems = new ArrayList<>();
    List<Item> testItems = new ArrayList<>();
    List<String> classes;
    Path trainDir = dir.resolve("train");
    Path testDir = dir.resolve("test");
    if (Files.isDirectory(trainDir) && Files.isDirectory(testDir)) {
      classes = classFolders(trainDir);
      List<String> testClasses = classFolders(testDir);
      if (!classes.equals(testClasses)) {
        throw new DatasetException(
            testDir, "class folders " + testClasses + " differ from train/ " + classes);
      }
      for (int c = 0; c < classes.size(); c++) {
        for (Path f : imageFiles(trainDir.resolve(classes.get(c)))) {
          trainItems.add(new Item(f, c));
        }
        for (Path f : imageFiles(testDir.resolve(classes.get(c)))) {
          testItems.add(new Item(f, c));
        }
      }
    } else {
      classes = classFolders(dir);
      for (int c = 0; c < classes.size(); c++) {
        List<Path> files = imageFiles(dir.resolve(classes.get(c)));
        for (int i = 0; i < files.size(); i++) {
          (i % HOLDOUT_EVERY == HOLDOUT_EVERY - 1 ? testItems : trainItems)
              .add(new Item(files.get(i), c));
        }
      }
    }

    List<Decoded> train = decodeAll(trainItems);
    List<Decoded> test = decodeAll(testItems);
    boolean allGrey =
        train.stream().allMatch(Decoded::grey) && test.stream().allMatch(Decoded::grey);
    int channels = allGrey ? 1 : 3;
    int height;
    int width;
    if (imageSize != null) {
      height = imageSize;
      width = imageSize;
    } else {
      Decoded first = train.isEmpty() ? test.get(0) : train.get(0);
      height = first.height();
      width = first.width();
      for (List<Decoded> split : List.of(train, test)) {
        for (Decoded d : split) {
          if (d.height() != height || d.width() != width) {
            throw new DatasetException(
                d.file(),
                "image is "
                    + d.height()
                    + "x"
                    + d.width()
                    + " (HxW) but "
                    + first.file().getFileName()
                    + " is "
                    + height
                    + "x"
                    + width
                    + "; pass an image size to resize all images");
          }
        }
      }
    }
    return new DatasetSplits(
        assemble(name, classes, channels, height, width, train, trainItems),
        assemble(name, classes, channels, height, width, test, testItems));
  }

  private static Dataset assemble(
      String name,
      List<String> classes,
      int channels,
      int height,
      int width,
      List<Decoded> images,
      List<Item> items) {
    int plane = height * width;
    byte[] pixels = new byte[images.size() * channels * plane];
    int[] labels = new int[images.size()];
    Map<Long, Resampler> resamplers = new HashMap<>();
    byte[] resized = new byte[3 * plane];
    for (int i = 0; i < images.size(); i++) {
      Decoded d = images.get(i);
      labels[i] = items.get(i).label();
      int planes = d.grey() ? 1 : 3;
      byte[] src = d.planes();
      if (d.height() != height || d.width() != width) {
        Resampler r =
            resamplers.computeIfAbsent(
                ((long) d.height() << 32) | d.width(),
                k -> new Resampler(d.height(), d.width(), height, width));
        for (int p = 0; p < planes; p++) {
          r.resize(src, p * d.height() * d.width(), resized, p * plane);
        }
        src = resized;
      }
      int base = i * channels * plane;
      for (int c = 0; c < channels; c++) {
        // A grey image in an RGB dataset repeats its one plane.
        System.arraycopy(src, (planes == 1 ? 0 : c) * plane, pixels, base + c * plane, plane);
      }
    }
    return new Dataset(name, channels, height, width, classes, pixels, labels);
  }

  private static List<String> classFolders(Path dir) {
    List<String> names = new ArrayList<>();
    try (Stream<Path> entries = Files.list(dir)) {
      entries
          .filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith("."))
          .sorted()
          .forEach(names::add);
    } catch (IOException e) {
      throw new DatasetException(dir, "cannot list (" + e + ")", e);
    }
    if (names.isEmpty()) {
      throw new DatasetException(
          dir, "no class folders (expected one sub-folder of PNG/JPEG images per class)");
    }
    return names;
  }

  private static List<Path> imageFiles(Path classDir) {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> entries = Files.list(classDir)) {
      entries
          .filter(Files::isRegularFile)
          .filter(p -> isImageName(p.getFileName().toString()))
          .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
          .forEach(files::add);
    } catch (IOException e) {
      throw new DatasetException(classDir, "cannot list (" + e + ")", e);
    }
    if (files.isEmpty()) {
      throw new DatasetException(classDir, "empty class folder (no .png, .jpg or .jpeg files)");
    }
    return files;
  }

  private static boolean isImageName(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return !n.startsWith(".") && (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg"));
  }

  private static List<Decoded> decodeAll(List<Item> items) {
    List<Decoded> out = new ArrayList<>(items.size());
    for (Item item : items) {
      out.add(decode(item.file()));
    }
    return out;
  }

  private static Decoded decode(Path file) {
    BufferedImage image;
    try {
      image = ImageIO.read(file.toFile());
    } catch (IOException | RuntimeException e) {
      throw new DatasetException(file, "unreadable image (" + e.getMessage() + ")", e);
    }
    if (image == null) {
      throw new DatasetException(file, "unreadable image (not a PNG or JPEG file)");
    }
    int h = image.getHeight();
    int w = image.getWidth();
    boolean grey = image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY;
    if (grey) {
      // Read the raster directly: getRGB would pass linear grey through an sRGB conversion.
      Raster raster = image.getRaster();
      int bits = image.getColorModel().getComponentSize(0);
      int max = (1 << bits) - 1;
      byte[] plane = new byte[h * w];
      int[] row = new int[w];
      for (int y = 0; y < h; y++) {
        raster.getSamples(0, y, w, 1, 0, row);
        for (int x = 0; x < w; x++) {
          int v = bits == 8 ? row[x] : (int) Math.round(row[x] * 255.0 / max);
          plane[y * w + x] = (byte) v;
        }
      }
      return new Decoded(file, true, h, w, plane);
    }
    int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
    int plane = h * w;
    byte[] planes = new byte[3 * plane];
    for (int i = 0; i < plane; i++) {
      int p = argb[i];
      planes[i] = (byte) (p >>> 16);
      planes[plane + i] = (byte) (p >>> 8);
      planes[2 * plane + i] = (byte) p;
    }
    return new Decoded(file, false, h, w, planes);
  }
}
