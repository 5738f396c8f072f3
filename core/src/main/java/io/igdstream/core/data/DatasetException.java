package io.igdstream.core.data;

import java.nio.file.Path;

/**
 * A dataset could not be found, read or validated. The message is one line, {@code "<file>:
 * <problem>"}, so it can be shown to the user as is.
 */
public final class DatasetException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Message already in {@code "<file>: <problem>"} form. */
  public DatasetException(String message) {
    super(message);
  }

  /** Message already in {@code "<file>: <problem>"} form, with the underlying cause. */
  public DatasetException(String message, Throwable cause) {
    super(message, cause);
  }

  /** {@code "<file>: <problem>"}. */
  public DatasetException(Path file, String problem) {
    super(file + ": " + problem);
  }

  /** {@code "<file>: <problem>"}, with the underlying cause. */
  public DatasetException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
  }
}
