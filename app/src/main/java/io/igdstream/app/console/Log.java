package io.igdstream.app.console;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/** Timestamped status lines on standard error, so standard output stays for results. */
public final class Log {

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");
  private final PrintStream out;

  public Log(PrintStream out) {
    this.out = out;
  }

  public static Log stderr() {
    return new Log(System.err);
  }

  public void info(String message) {
    String line = "[" + LocalTime.now().format(TIME) + "] " + message;
    Progress.aroundLiveBar(
        out,
        () -> {
          out.println(line);
          out.flush();
        });
  }
}
