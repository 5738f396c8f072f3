package io.igdstream.schemas;

import java.util.Objects;

/**
 * A record that cannot be decoded or fails validation. {@link #reason()} is the dead-letter reason
 * code (the {@code DeadLetter.reason_code} enum itself), {@link #getMessage()} one line for people,
 * e.g. {@code "x_adv[37] = 1.25 is outside [0, 1]"}. Stages catch it, write a {@link DeadLetter}
 * (see {@link DeadLetters}) and go on.
 */
public final class RecordDecodingException extends RuntimeException {

  private final ReasonCode reason;

  public RecordDecodingException(ReasonCode reason, String message) {
    this(reason, message, null);
  }

  public RecordDecodingException(ReasonCode reason, String message, Throwable cause) {
    super(oneLine(message), cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** Why the record was rejected, as written to {@code DeadLetter.reason_code}. */
  public ReasonCode reason() {
    return reason;
  }

  /** The deepest cause's class and message on one line, e.g. {@code "EOFException"}. */
  static String rootCause(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  private static String oneLine(String message) {
    return String.valueOf(message).replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }
}
