package io.igdstream.streams.kafka;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the exceptions a Kafka client throws when the cluster refuses it into one line for people
 * (docs/SECURITY.md "When access is refused"): who was refused, where, and what to change. The line
 * names the user, the mechanism, the servers, a topic or group and an operation; never a password
 * or a JAAS line. Kafka-free: the exceptions are recognised by class name anywhere in the cause
 * chain (Pekko and the futures wrap them), so the commands can use it without a Kafka dependency.
 *
 * <p>Refusals are final: the caller prints the line and exits with code 2 instead of retrying.
 */
public final class KafkaAccessError {

  /** What kind of client met the error: it says which operation a topic refusal was about. */
  public enum Client {
    PRODUCER("WRITE"),
    CONSUMER("READ"),
    ADMIN("DESCRIBE");

    private final String topicOperation;

    Client(String topicOperation) {
      this.topicOperation = topicOperation;
    }
  }

  /** What was refused. */
  public enum Kind {
    /** The broker rejected the user's credentials. */
    AUTHENTICATION,
    /** No credentials configured for a SASL listener. */
    NO_CREDENTIALS,
    /** The TLS handshake failed (trust, host name). */
    TLS,
    /** The user lacks an ACL. */
    AUTHORIZATION
  }

  /** A refusal and its line. */
  public record Refusal(Kind kind, String line) {}

  private static final Pattern USERNAME = Pattern.compile("username\\s*=\\s*\"([^\"]*)\"");
  private static final Pattern BRACKETS = Pattern.compile("\\[([^\\]]*)\\]");
  private static final Pattern GROUP = Pattern.compile("group:?\\s*(\\S+)");

  private KafkaAccessError() {}

  /**
   * The refusal in {@code error}'s cause chain, if it has one.
   *
   * @param error what the client threw
   * @param client producer, consumer or admin: the operation of a topic refusal (WRITE, READ,
   *     DESCRIBE)
   * @param properties the client's properties (bootstrap.servers, sasl.*, security.protocol): the
   *     user, mechanism and servers of the line; secrets are never read from them
   */
  public static Optional<Refusal> classify(
      Throwable error, Client client, Map<String, ?> properties) {
    String servers = String.valueOf(get(properties, "bootstrap.servers", "?"));
    String user = user(properties);
    String mechanism = String.valueOf(get(properties, "sasl.mechanism", "GSSAPI"));
    for (Throwable t = error; t != null; t = t.getCause()) {
      String name = t.getClass().getSimpleName();
      String message = String.valueOf(t.getMessage());
      switch (name) {
        case "SaslAuthenticationException":
          return Optional.of(
              new Refusal(
                  Kind.AUTHENTICATION,
                  "Kafka rejected user '"
                      + user
                      + "' (SASL "
                      + mechanism
                      + ") at "
                      + servers
                      + ": wrong user name or password"));
        case "SslAuthenticationException":
        case "SSLHandshakeException":
          return Optional.of(
              new Refusal(Kind.TLS, "TLS handshake with " + servers + " failed: " + tlsProblem(t)));
        case "TopicAuthorizationException":
          return Optional.of(
              new Refusal(
                  Kind.AUTHORIZATION,
                  "user '"
                      + user
                      + "' may not "
                      + client.topicOperation
                      + " topic "
                      + names(t, "unauthorizedTopics", message)
                      + " (an ACL is missing; docs/SECURITY.md lists each role's)"));
        case "GroupAuthorizationException":
          return Optional.of(
              new Refusal(
                  Kind.AUTHORIZATION,
                  "user '"
                      + user
                      + "' may not "
                      + (client == Client.ADMIN ? "DESCRIBE" : "READ")
                      + " group "
                      + group(t, message)
                      + " (an ACL is missing; docs/SECURITY.md lists each role's)"));
        case "ClusterAuthorizationException":
          return Optional.of(
              new Refusal(
                  Kind.AUTHORIZATION,
                  "user '"
                      + user
                      + "' may not perform cluster operations (creating topics is the admin's"
                      + " job: igd topics as "
                      + AccessTable.ADMIN
                      + ", or Strimzi's topic operator)"));
        case "TransactionalIdAuthorizationException":
          return Optional.of(
              new Refusal(
                  Kind.AUTHORIZATION,
                  "user '" + user + "' may not use a transactional id (igd-stream needs none)"));
        default:
          if (message.contains("Could not find a 'KafkaClient' entry in the JAAS configuration")
              || message.contains("No serviceName defined")) {
            return Optional.of(
                new Refusal(
                    Kind.NO_CREDENTIALS,
                    "no Kafka credentials for "
                        + servers
                        + " ("
                        + get(properties, "security.protocol", "PLAINTEXT")
                        + "): set sasl.mechanism and sasl.jaas.config in igd.kafka.client"
                        + " (docs/SECURITY.md)"));
          }
      }
    }
    return Optional.empty();
  }

  /** The line of {@link #classify}, if the error is a refusal. */
  public static Optional<String> line(Throwable error, Client client, Map<String, ?> properties) {
    return classify(error, client, properties).map(Refusal::line);
  }

  private static String get(Map<String, ?> properties, String key, String otherwise) {
    Object v = properties.get(key);
    return v == null ? otherwise : v.toString();
  }

  /** The user of the JAAS line (never its password), or the principal a TLS client would be. */
  static String user(Map<String, ?> properties) {
    Object jaas = properties.get("sasl.jaas.config");
    if (jaas != null) {
      Matcher m = USERNAME.matcher(jaas.toString());
      if (m.find()) {
        return m.group(1);
      }
      // a config provider reference ("${file:...}") says where the line is, not what it holds
      return jaas.toString().startsWith("${") ? "(named by a config provider)" : "(unnamed)";
    }
    return "ANONYMOUS";
  }

  private static String tlsProblem(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT);
      if (m.contains("unable to find valid certification path")
          || m.contains("pkix path building failed")) {
        return "the broker's certificate is not signed by a CA in ssl.truststore.location"
            + " (unable to find a valid certification path)";
      }
      if (m.contains("no subject alternative") || m.contains("no name matching")) {
        return "the broker's certificate does not name the host it was reached at ("
            + c.getMessage()
            + ")";
      }
      if (m.contains("certificate expired") || m.contains("notafter")) {
        return "the broker's certificate has expired";
      }
      if (m.contains("bad_certificate") || m.contains("certificate_required")) {
        return "the broker refused this client's certificate (ssl.keystore.*)";
      }
    }
    Throwable root = t;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }

  private static String names(Throwable t, String accessor, String message) {
    try {
      Object v = t.getClass().getMethod(accessor).invoke(t);
      if (v instanceof Collection<?> c && !c.isEmpty()) {
        return String.join(", ", c.stream().map(String::valueOf).sorted().toList());
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      // fall back on the message
    }
    Matcher m = BRACKETS.matcher(message);
    return m.find() ? m.group(1) : message;
  }

  private static String group(Throwable t, String message) {
    try {
      Object v = t.getClass().getMethod("groupId").invoke(t);
      if (v != null) {
        return v.toString();
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      // fall back on the message
    }
    Matcher m = GROUP.matcher(message);
    return m.find() ? m.group(1) : message;
  }
}
