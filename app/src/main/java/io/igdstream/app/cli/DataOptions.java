package io.igdstream.app.cli;

import io.igdstream.app.console.Log;
import io.igdstream.core.data.DatasetSplits;
import io.igdstream.core.data.Datasets;
import io.igdstream.core.data.DebianDatasetPackage;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The dataset options every data-reading command shares. */
final class DataOptions {

  @Option(
      names = "--dataset",
      defaultValue = "fashion-mnist",
      description =
          "fashion-mnist (default), mnist, cifar10, idx:DIR or folder:DIR; pipeline also takes"
              + " topic (what NS.samples holds).")
  String dataset;

  /** The {@code --dataset} of a dataset known only from its topic (pipeline). */
  static final String TOPIC = "topic";

  /** Whether the dataset is what {@code NS.samples} holds rather than files. */
  boolean fromTopic() {
    return TOPIC.equals(dataset);
  }

  @Option(
      names = "--data-dir",
      description = "Where the dataset's files are (default: its usual place).")
  Path dataDir;

  @Option(names = "--image-size", description = "Resize folder images to SIZE x SIZE.")
  Integer imageSize;

  /**
   * Loads the splits; for Fashion-MNIST in its default place, installs the Debian package if it
   * can.
   */
  DatasetSplits load(Log log) {
    if (fromTopic()) {
      throw new BadInputException("--dataset topic is for igd pipeline only");
    }
    if (imageSize != null && imageSize < 1) {
      throw new BadInputException("--image-size must be >= 1, was " + imageSize);
    }
    if (dataDir != null && !java.nio.file.Files.isDirectory(dataDir)) {
      throw new BadInputException("--data-dir " + dataDir + " is not a directory");
    }
    Path dir = dataDir;
    if (Datasets.DEFAULT_SPEC.equals(dataset)) {
      dir = DebianDatasetPackage.ensureFashionMnist(dataDir, log::info);
    }
    return Datasets.load(dataset, dir, imageSize);
  }
}
