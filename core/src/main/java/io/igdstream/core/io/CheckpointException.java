package io.igdstream.core.io;

/** A checkpoint or model file that cannot be used; the message names the file and the problem. */
public final class CheckpointException extends RuntimeException {

  public CheckpointException(String message) {
    super(message);
  }
}
