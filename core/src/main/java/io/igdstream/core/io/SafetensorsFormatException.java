package io.igdstream.core.io;

/**
 * A byte sequence or tensor is not valid safetensors. The message names the problem (and the
 * tensor, where there is one), e.g. {@code tensor 'w': data_offsets [0, 12) hold 12 bytes but F32
 * [2, 2] needs 16}.
 */
public class SafetensorsFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public SafetensorsFormatException(String message) {
    super(message);
  }

  public SafetensorsFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
