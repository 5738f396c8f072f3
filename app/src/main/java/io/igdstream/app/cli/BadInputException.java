package io.igdstream.app.cli;

/** Bad command-line input found while validating options; printed as one line, exit code 2. */
public final class BadInputException extends RuntimeException {

  public BadInputException(String message) {
    super(message);
  }
}
