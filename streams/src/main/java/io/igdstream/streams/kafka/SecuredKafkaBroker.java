package io.igdstream.streams.kafka;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The in-process KRaft broker of {@link EmbeddedKafkaBroker} locked down as a company's cluster
 * would be, for the security tests: clients connect to a SASL_SSL listener on 127.0.0.1
 * (SCRAM-SHA-512 over TLS, certificates made at start by {@link LocalCertificates}); Kafka's {@code
 * StandardAuthorizer} with {@code allow.everyone.if.no.acl.found=false}; one SCRAM user per role of
 * {@link AccessTable} with exactly that role's ACLs, and the super user {@link AccessTable#ADMIN}
 * that creates topics. Passwords are random per start.
 *
 * <p>The broker itself talks to its controller, and the set-up here talks to the broker, over
 * SASL_PLAINTEXT listeners with PLAIN as the super user {@code broker}: KRaft controllers take no
 * SCRAM (its credentials live in the metadata they serve), and the users must exist before a SCRAM
 * client can log in. Those listeners are on 127.0.0.1 and are not what the tests' clients use.
 */
public final class SecuredKafkaBroker implements AutoCloseable {

  /** The SASL mechanism of the client listener. */
  public static final String MECHANISM = "SCRAM-SHA-512";

  private static final String BROKER_USER = "broker";
  private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(60);

  private final EmbeddedKafkaBroker broker;
  private final LocalCertificates certificates;
  private final String internalServers;
  private final String brokerPassword;
  private final Map<String, String> passwords;

  private SecuredKafkaBroker(
      EmbeddedKafkaBroker broker,
      LocalCertificates certificates,
      String internalServers,
      String brokerPassword,
      Map<String, String> passwords) {
    this.broker = broker;
    this.certificates = certificates;
    this.internalServers = internalServers;
    this.brokerPassword = brokerPassword;
    this.passwords = passwords;
  }

  /**
   * Starts a secured broker in {@code dir} (certificates in {@code dir/tls}, data in {@code
   * dir/kafka}), creates the users and the ACLs of {@link AccessTable} for topic prefix {@code
   * prefix}, and returns once they are in force.
   */
  public static SecuredKafkaBroker start(Path dir, String prefix)
      throws IOException, InterruptedException {
    LocalCertificates certs = LocalCertificates.make(dir.resolve("tls"), "igd-test-ca", true);
    String brokerPassword = randomPassword();
    int internalPort = EmbeddedKafkaBroker.freePort(-1);
    String plainJaas =
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
            + BROKER_USER
            + "\" password=\""
            + brokerPassword
            + "\" user_"
            + BROKER_USER
            + "=\""
            + brokerPassword
            + "\";";
    EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.start(
            dir.resolve("kafka"),
            0,
            (p, brokerPort, controllerPort) ->
                secure(p, brokerPort, controllerPort, internalPort, certs, plainJaas));
    Map<String, String> passwords = new LinkedHashMap<>();
    passwords.put(AccessTable.ADMIN, randomPassword());
    for (AccessTable.Role r : AccessTable.Role.values()) {
      passwords.put(r.user(), randomPassword());
    }
    SecuredKafkaBroker secured =
        new SecuredKafkaBroker(
            broker,
            certs,
            EmbeddedKafkaBroker.HOST + ":" + internalPort,
            brokerPassword,
            passwords);
    try {
      secured.createUsersAndAcls(prefix);
    } catch (IOException | InterruptedException | RuntimeException e) {
      broker.close();
      throw e;
    }
    return secured;
  }

  private static void secure(
      Properties p,
      int brokerPort,
      int controllerPort,
      int internalPort,
      LocalCertificates certs,
      String plainJaas) {
    String host = EmbeddedKafkaBroker.HOST;
    p.put(
        "listeners",
        "SECURE://"
            + host
            + ":"
            + brokerPort
            + ",INTERNAL://"
            + host
            + ":"
            + internalPort
            + ",CONTROLLER://"
            + host
            + ":"
            + controllerPort);
    p.put(
        "advertised.listeners",
        "SECURE://" + host + ":" + brokerPort + ",INTERNAL://" + host + ":" + internalPort);
    p.put(
        "listener.security.protocol.map",
        "SECURE:SASL_SSL,INTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT");
    p.put("inter.broker.listener.name", "INTERNAL");
    p.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
    p.put("sasl.mechanism.controller.protocol", "PLAIN");
    p.put("listener.name.internal.sasl.enabled.mechanisms", "PLAIN");
    p.put("listener.name.internal.plain.sasl.jaas.config", plainJaas);
    p.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
    p.put("listener.name.controller.plain.sasl.jaas.config", plainJaas);
    p.put("listener.name.secure.sasl.enabled.mechanisms", MECHANISM);
    p.put(
        "listener.name.secure.scram-sha-512.sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required;");
    p.put("listener.name.secure.ssl.keystore.type", "PKCS12");
    p.put("listener.name.secure.ssl.keystore.location", certs.brokerKeystore().toString());
    p.put("listener.name.secure.ssl.keystore.password", certs.storePassword());
    p.put("listener.name.secure.ssl.key.password", certs.storePassword());
    p.put("listener.name.secure.ssl.client.auth", "none");
    p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
    p.put("allow.everyone.if.no.acl.found", "false");
    p.put("super.users", "User:" + BROKER_USER + ";User:" + AccessTable.ADMIN);
  }

  private void createUsersAndAcls(String prefix) throws InterruptedException, IOException {
    try (Admin admin = Admin.create(internalAdminProperties())) {
      List<UserScramCredentialAlteration> users = new ArrayList<>();
      passwords.forEach(
          (user, pw) ->
              users.add(
                  new UserScramCredentialUpsertion(
                      user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), pw)));
      await(admin.alterUserScramCredentials(users).all());
      await(admin.createAcls(aclBindings(prefix)).all());
      // the broker applies metadata asynchronously: wait until a role's SCRAM login works
      long deadline = System.nanoTime() + SETUP_TIMEOUT.toNanos();
      while (true) {
        Map<String, Object> probe = new HashMap<>(clientProperties(AccessTable.ADMIN));
        probe.put("bootstrap.servers", bootstrapServers());
        try (Admin a = Admin.create(probe)) {
          a.describeCluster().clusterId().get(10, TimeUnit.SECONDS);
          if (a.describeAcls(AclBindingFilter.ANY).values().get(10, TimeUnit.SECONDS).size()
              >= aclBindings(prefix).size()) {
            return;
          }
        } catch (ExecutionException | TimeoutException e) {
          if (System.nanoTime() > deadline) {
            throw new IOException("secured broker not ready: " + e.getMessage(), e);
          }
        }
        Thread.sleep(100);
      }
    }
  }

  /** The Kafka ACLs of {@link AccessTable} under topic prefix {@code prefix}. */
  public static List<AclBinding> aclBindings(String prefix) {
    List<AclBinding> out = new ArrayList<>();
    for (AccessTable.Grant g : AccessTable.grants()) {
      ResourceType type =
          g.resource() == AccessTable.Resource.TOPIC ? ResourceType.TOPIC : ResourceType.GROUP;
      PatternType pattern =
          g.match() == AccessTable.Match.PREFIXED ? PatternType.PREFIXED : PatternType.LITERAL;
      out.add(
          new AclBinding(
              new ResourcePattern(type, g.resourceName(prefix), pattern),
              new AccessControlEntry(
                  "User:" + g.role().user(),
                  "*",
                  AclOperation.valueOf(g.operation().name()),
                  AclPermissionType.ALLOW)));
    }
    return out;
  }

  private Map<String, Object> internalAdminProperties() {
    Map<String, Object> p = new HashMap<>();
    p.put("bootstrap.servers", internalServers);
    p.put("security.protocol", "SASL_PLAINTEXT");
    p.put("sasl.mechanism", "PLAIN");
    p.put(
        "sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
            + BROKER_USER
            + "\" password=\""
            + brokerPassword
            + "\";");
    p.put("client.id", "igd-secured-broker-setup");
    return p;
  }

  private static <T> T await(KafkaFuture<T> f) throws InterruptedException, IOException {
    try {
      return f.get(SETUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("cannot set up the secured broker: " + e.getMessage(), e);
    }
  }

  /** {@code 127.0.0.1:<port>} of the SASL_SSL listener. */
  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  /** The CA certificate (PEM) the broker's certificate is signed with. */
  public Path caCertificate() {
    return certificates.caCertificate();
  }

  /** The password of a user (a role's or {@link AccessTable#ADMIN}). */
  public String password(String user) {
    String pw = passwords.get(user);
    if (pw == null) {
      throw new IllegalArgumentException("no user " + user);
    }
    return pw;
  }

  /**
   * Every secret of this broker (user passwords, the broker's password, the keystore password):
   * what must never appear in any output.
   */
  public List<String> secrets() {
    List<String> s = new ArrayList<>(passwords.values());
    s.add(brokerPassword);
    s.add(certificates.storePassword());
    return s;
  }

  /**
   * Client properties ({@code igd.kafka.client}) for {@code user} with its password, trusting this
   * broker's CA: SASL_SSL, SCRAM-SHA-512, a PEM truststore.
   */
  public Map<String, String> clientProperties(String user) {
    return clientProperties(user, password(user), caCertificate());
  }

  /** Client properties with any password and truststore, for the refusal tests. */
  public static Map<String, String> clientProperties(
      String user, String password, Path truststorePem) {
    Map<String, String> p = new HashMap<>();
    p.put("security.protocol", "SASL_SSL");
    p.put("sasl.mechanism", MECHANISM);
    p.put(
        "sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
            + user
            + "\" password=\""
            + password
            + "\";");
    p.put("ssl.truststore.type", "PEM");
    p.put("ssl.truststore.location", truststorePem.toString());
    p.putAll(failFast());
    return p;
  }

  /**
   * Timeouts that make a refused client fail in seconds instead of minutes (Kafka's defaults wait
   * up to 60 s for metadata and 2 min for a delivery); a refused authentication is not retried by
   * the clients anyway.
   */
  public static Map<String, String> failFast() {
    return Map.of(
        "request.timeout.ms", "15000",
        "default.api.timeout.ms", "30000",
        "reconnect.backoff.max.ms", "2000");
  }

  private static String randomPassword() {
    byte[] b = new byte[18];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  @Override
  public void close() {
    broker.close();
  }
}
