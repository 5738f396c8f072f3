package io.igdstream.app.cli;

import io.igdstream.app.IgdCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/** Runs {@link IgdCommand#execute} in-process with standard output and error captured. */
final class Cli {

  private Cli() {}

  /** What a command line did: its exit code and everything it printed. */
  record Result(int exitCode, String out, String err) {

    /** Standard-error lines that are not timestamped status lines ({@code [HH:mm:ss] ...}). */
    List<String> errorLines() {
      return Arrays.stream(err.split("\\R"))
          .filter(line -> !line.isBlank() && !line.startsWith("["))
          .toList();
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
    }
  }

  /** Runs {@code igd args...}; one at a time, since System.out and System.err are global. */
  static synchronized Result run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      System.setOut(o);
      System.setErr(e);
      code = IgdCommand.execute(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    Result result =
        new Result(
            code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    oldErr.print(result.err); // keep the output visible in the test report
    return result;
  }
}
