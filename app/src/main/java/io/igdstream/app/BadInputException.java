package io.igdstream.app;

/** Bad command-line input found while validating options; printed as one line, exit code 2. */
final class BadInputException extends RuntimeException {

  BadInputException(String message) {
    super(message);
  }
}
