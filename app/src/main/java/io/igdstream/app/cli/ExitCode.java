package io.igdstream.app.cli;

/** The exit codes of {@code igd}. */
public final class ExitCode {

  /** The command did its work. */
  public static final int OK = 0;

  /** An unexpected error; its stack trace is on standard error (picocli's default). */
  public static final int FAILED = 1;

  /** Bad input: options, files, data; one line on standard error says what is wrong. */
  public static final int BAD_INPUT = 2;

  private ExitCode() {}
}
