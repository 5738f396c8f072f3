package io.igdstream.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Test helper for cross-checks against PyTorch: finds a python3 that can {@code import torch} and
 * runs scripts with it. Tests call {@code assumeTrue(PythonTorch.python().isPresent(), ...)} first.
 *
 * <p>Candidates, in order: the {@code IGD_TORCH_PYTHON} environment variable, {@code
 * /usr/bin/python3} (Debian's python3-torch; the pyenv python3 on PATH has no torch).
 */
final class PythonTorch {

  /** Reference scripts, relative to the module directory (surefire's working directory). */
  static final Path SCRIPTS = Path.of("src", "test", "python");

  /** Wall-clock limit for one script run. */
  static final long TIMEOUT_SECONDS = 300;

  private static volatile Optional<Path> python;

  private PythonTorch() {}

  /** A python3 that can import torch, checked once per JVM; empty when there is none. */
  static Optional<Path> python() {
    Optional<Path> p = python;
    if (p == null) {
      synchronized (PythonTorch.class) {
        if (python == null) {
          python = find();
        }
        p = python;
      }
    }
    return p;
  }

  /** Why {@link #python()} is empty, for assumption messages. */
  static String unavailableReason() {
    return "no python3 with torch (tried $IGD_TORCH_PYTHON and /usr/bin/python3)";
  }

  /** The reference script {@code src/test/python/<name>}. */
  static Path script(String name) {
    return SCRIPTS.resolve(name).toAbsolutePath();
  }

  /**
   * Runs {@code script args...} with the torch python (env {@code OMP_NUM_THREADS=2}) and returns
   * its stdout.
   *
   * @throws IllegalStateException with stderr when python is missing, the script fails or times out
   */
  static String run(Path script, String... args) {
    Path py = python().orElseThrow(() -> new IllegalStateException(unavailableReason()));
    List<String> cmd = new ArrayList<>();
    cmd.add(py.toString());
    cmd.add(script.toAbsolutePath().toString());
    cmd.addAll(List.of(args));
    Result r = exec(cmd, TIMEOUT_SECONDS);
    if (r.exitCode != 0) {
      throw new IllegalStateException(
          script.getFileName() + " failed (exit " + r.exitCode + "):\n" + r.stderr);
    }
    return r.stdout;
  }

  private static Optional<Path> find() {
    List<String> candidates = new ArrayList<>();
    String env = System.getenv("IGD_TORCH_PYTHON");
    if (env != null && !env.isBlank()) {
      candidates.add(env);
    }
    candidates.add("/usr/bin/python3");
    for (String c : candidates) {
      Path p = Path.of(c);
      if (!Files.isExecutable(p)) {
        continue;
      }
      try {
        Result r = exec(List.of(c, "-c", "import torch, numpy"), 60);
        if (r.exitCode == 0) {
          return Optional.of(p);
        }
      } catch (IllegalStateException e) {
        // not usable; try the next one
      }
    }
    return Optional.empty();
  }

  private record Result(int exitCode, String stdout, String stderr) {}

  private static Result exec(List<String> cmd, long timeoutSeconds) {
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("python-torch-", ".out");
      err = Files.createTempFile("python-torch-", ".err");
      ProcessBuilder pb =
          new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
      pb.environment().put("OMP_NUM_THREADS", "2");
      pb.environment().put("MKL_NUM_THREADS", "2");
      pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
      Process proc = pb.start();
      if (!proc.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        proc.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException(
            String.join(" ", cmd) + " timed out after " + timeoutSeconds + " s:\n" + read(err));
      }
      return new Result(proc.exitValue(), read(out), read(err));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + String.join(" ", cmd) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + String.join(" ", cmd), e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // temp file; nothing else to do
      }
    }
  }
}
