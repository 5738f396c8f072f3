package io.igdstream.app.cli;

import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.kafka.KafkaAccessError;
import io.igdstream.streams.kafka.KafkaAccessError.Client;
import java.util.Map;
import java.util.Optional;

/**
 * The one line of a refused Kafka client (docs/SECURITY.md "When access is refused") for the
 * command line's exception handler, which sees only the exception: the settings of the command's
 * clients are remembered when the command reads them, so the line can name the user, mechanism and
 * servers (never a secret: {@link KafkaAccessError} reads only the user name of the JAAS line).
 */
public final class KafkaRefusal {

  private static volatile Map<String, Object> properties = Map.of();

  private KafkaRefusal() {}

  /** Remembers the client properties of this process's Kafka clients. */
  static void remember(KafkaSettings kafka) {
    properties = Map.copyOf(kafka.adminProperties());
  }

  /** The refusal's line if {@code error}'s cause chain holds a Kafka access refusal. */
  public static Optional<String> line(Throwable error) {
    return KafkaAccessError.line(error, client(error), properties);
  }

  /**
   * Which kind of client threw (a topic refusal's operation): Kafka raises these errors in the
   * client's own code, so the stack says whether a producer, consumer or admin client met them.
   */
  private static Client client(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      for (StackTraceElement frame : t.getStackTrace()) {
        String c = frame.getClassName();
        if (c.startsWith("org.apache.kafka.clients.producer")) {
          return Client.PRODUCER;
        }
        if (c.startsWith("org.apache.kafka.clients.consumer")) {
          return Client.CONSUMER;
        }
        if (c.startsWith("org.apache.kafka.clients.admin")) {
          return Client.ADMIN;
        }
      }
    }
    return Client.ADMIN;
  }
}
