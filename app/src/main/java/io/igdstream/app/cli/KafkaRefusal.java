package io.igdstream.app.cli;

import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.kafka.AccessTable;
import io.igdstream.streams.kafka.AccessTable.Operation;
import io.igdstream.streams.kafka.AccessTable.Resource;
import io.igdstream.streams.kafka.AccessTable.Role;
import io.igdstream.streams.kafka.KafkaAccessError;
import io.igdstream.streams.kafka.KafkaAccessError.Client;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.errors.TopicAuthorizationException;

/**
 * The one line of a refused Kafka client (docs/SECURITY.md "When access is refused") for the
 * command line's exception handler, which sees only the exception: the settings of the command's
 * clients are remembered when the command reads them, so the line can name the user, mechanism and
 * servers (never a secret: {@link KafkaAccessError} reads only the user name of the JAAS line).
 */
public final class KafkaRefusal {

  private static final Map<String, Role> ROLES =
      Map.of(
          "ingest", Role.INGEST,
          "augment", Role.AUGMENT,
          "corrupt", Role.CORRUPT,
          "train", Role.TRAINER,
          "evaluate", Role.EVALUATE);

  private static volatile Map<String, Object> properties = Map.of();

  private KafkaRefusal() {}

  /** Remembers the client properties of this process's Kafka clients. */
  static void remember(KafkaSettings kafka) {
    properties = Map.copyOf(kafka.adminProperties());
  }

  /**
   * The refusal's line if {@code error}'s cause chain holds a Kafka access refusal.
   *
   * @param command the command that failed (its role's row of {@link AccessTable} says whether a
   *     refused topic was to be read or written)
   */
  public static Optional<String> line(Throwable error, String command) {
    return KafkaAccessError.line(error, client(error, ROLES.get(command)), properties);
  }

  /**
   * Which kind of client was refused (a topic refusal's operation): Kafka's own frames in the stack
   * when there are any; else, since Kafka's errors carry no stack and Pekko's wrappers name no
   * client, what the role's row of the table does with the refused topic.
   */
  private static Client client(Throwable error, Role role) {
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
    if (role != null) {
      for (Throwable t = error; t != null; t = t.getCause()) {
        if (t instanceof TopicAuthorizationException e) {
          return fromTable(role, e.unauthorizedTopics());
        }
      }
    }
    return Client.ADMIN;
  }

  private static Client fromTable(Role role, Set<String> topics) {
    boolean reads = false;
    for (AccessTable.Grant g : AccessTable.grants(role)) {
      if (g.resource() != Resource.TOPIC
          || topics.stream().noneMatch(t -> t.endsWith("." + g.name()))) {
        continue;
      }
      if (g.operation() == Operation.WRITE) {
        return Client.PRODUCER;
      }
      reads |= g.operation() == Operation.READ;
    }
    return reads ? Client.CONSUMER : Client.ADMIN;
  }
}
