package io.igdstream.app.cli;

import io.igdstream.app.IgdCommand;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** An `igd` command in a JVM of its own (the test classpath), for fault tests that SIGKILL it. */
final class ChildIgd {

  private ChildIgd() {}

  /**
   * Starts {@code igd args...} with {@code -Dai.djl.offline=true} and a heap of {@code heap} (e.g.
   * "1g"); stdout and stderr are appended to {@code log}.
   */
  static Process start(String heap, Path log, List<String> args) throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true",
                "-Xss4m",
                "-Xmx" + heap,
                "-cp",
                System.getProperty("java.class.path"),
                IgdCommand.class.getName()));
    cmd.addAll(args);
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
  }
}
