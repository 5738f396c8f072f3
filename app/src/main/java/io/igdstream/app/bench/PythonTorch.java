package io.igdstream.app.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds a python3 that can import torch (for cross-checks and benchmarks only, never at run time).
 */
final class PythonTorch {

  private PythonTorch() {}

  /**
   * /usr/bin/python3 (Debian's python3-torch), then python3 on the PATH; null when neither imports
   * torch.
   */
  static Path find() {
    for (String candidate : List.of("/usr/bin/python3", "python3")) {
      try {
        Process p =
            new ProcessBuilder(candidate, "-c", "import torch").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
          return Path.of(candidate);
        }
      } catch (java.io.IOException e) {
        // not installed: try the next one
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }
}
