package io.igdstream.streams.kafka;

/**
 * The broker could not be reached or refused an admin request; callers retry or stop with this
 * message.
 */
public final class KafkaUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public KafkaUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
