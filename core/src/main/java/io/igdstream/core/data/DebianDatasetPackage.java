package io.igdstream.core.data;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Finds Fashion-MNIST, installing the Debian package {@code dataset-fashion-mnist} (IDX .gz files
 * in /usr/share/datasets/fashion-mnist) when the process may: only as root and only when apt-get
 * exists. The CLI calls {@link #ensureFashionMnist}; {@link Datasets#load} never installs.
 */
public final class DebianDatasetPackage {
  /** Where the Debian package puts the IDX files. */
  public static final Path FASHION_MNIST_DIR = Path.of("/usr/share/datasets/fashion-mnist");

  /** The Debian package name. */
  public static final String FASHION_MNIST_PACKAGE = "dataset-fashion-mnist";

  static final List<String> INSTALL = List.of("apt-get", "install", "-y", FASHION_MNIST_PACKAGE);
  static final List<String> UPDATE = List.of("apt-get", "update");

  private DebianDatasetPackage() {}

  /** What the install decision needs from the machine; replaced in tests so apt never runs. */
  interface Host {
    boolean isRoot();

    boolean hasAptGet();

    /** Runs a command non-interactively, streaming its output lines; returns the exit code. */
    int run(List<String> command, Consumer<String> output);
  }

  /**
   * The Fashion-MNIST directory to load from: {@code dataDir} when given (not checked here; the
   * loader names any missing file), else the Debian location when it holds the four files, else
   * that location after {@code apt-get install -y dataset-fashion-mnist} when running as root with
   * apt-get available.
   *
   * @param log receives one line per step and apt's output
   * @throws DatasetException when the files are missing and cannot be installed
   */
  public static Path ensureFashionMnist(Path dataDir, Consumer<String> log) {
    return ensureFashionMnist(dataDir, log, FASHION_MNIST_DIR, new SystemHost());
  }

  static Path ensureFashionMnist(Path dataDir, Consumer<String> log, Path defaultDir, Host host) {
    Objects.requireNonNull(log, "log");
    if (dataDir != null) {
      return dataDir;
    }
    if (IdxFiles.hasAll(defaultDir)) {
      return defaultDir;
    }
    if (!host.isRoot() || !host.hasAptGet()) {
      throw notFound(defaultDir);
    }
    log.accept(
        "Fashion-MNIST not found in " + defaultDir + "; running: " + String.join(" ", INSTALL));
    int exit = host.run(INSTALL, log);
    if (exit != 0) {
      // A fresh container often has empty package lists; one update is worth a retry.
      log.accept(
          "apt-get install failed (exit " + exit + "); running: " + String.join(" ", UPDATE));
      host.run(UPDATE, log);
      log.accept("retrying: " + String.join(" ", INSTALL));
      exit = host.run(INSTALL, log);
      if (exit != 0) {
        throw new DatasetException(
            String.join(" ", INSTALL)
                + ": failed with exit code "
                + exit
                + "; install it by hand or pass --data-dir DIR");
      }
    }
    if (!IdxFiles.hasAll(defaultDir)) {
      throw new DatasetException(
          defaultDir, FASHION_MNIST_PACKAGE + " installed but the four IDX files are missing");
    }
    log.accept("installed " + FASHION_MNIST_PACKAGE + " into " + defaultDir);
    return defaultDir;
  }

  static DatasetException notFound(Path dir) {
    return new DatasetException(
        "Fashion-MNIST not found in "
            + dir
            + "; install it with: sudo apt-get install "
            + FASHION_MNIST_PACKAGE
            + " (or pass --data-dir DIR)");
  }

  /** The real machine: uid from /proc/self/status, apt-get from PATH, ProcessBuilder. */
  static final class SystemHost implements Host {
    @Override
    public boolean isRoot() {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
          if (line.startsWith("Uid:")) {
            String[] f = line.substring(4).trim().split("\\s+");
            return f.length > 1 && f[1].equals("0"); // effective uid
          }
        }
      } catch (IOException | RuntimeException e) {
        // Not Linux or no procfs: fall back to the user name.
      }
      return "root".equals(System.getProperty("user.name"));
    }

    @Override
    public boolean hasAptGet() {
      String path = System.getenv("PATH");
      if (path == null) {
        return false;
      }
      for (String dir : path.split(File.pathSeparator)) {
        if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "apt-get"))) {
          return true;
        }
      }
      return false;
    }

    @Override
    public int run(List<String> command, Consumer<String> output) {
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
      try {
        Process process = pb.start();
        try (BufferedReader reader =
            new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = reader.readLine()) != null) {
            output.accept("  " + line);
          }
        }
        return process.waitFor();
      } catch (IOException e) {
        throw new DatasetException(command.get(0) + ": cannot run (" + e.getMessage() + ")", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new DatasetException(String.join(" ", command) + ": interrupted", e);
      }
    }
  }
}
