package io.igdstream.streams.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.igdstream.core.model.GradientThread;
import io.igdstream.schemas.SnapshotInfo;
import io.igdstream.schemas.SnapshotKeys;
import io.igdstream.schemas.SnapshotSigner;
import io.igdstream.schemas.SnapshotVerifier;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.schemas.kafka.SnapshotPublisher;
import io.igdstream.streams.StreamFixtures;
import io.igdstream.streams.kafka.AccessTable.Role;
import io.igdstream.streams.kafka.KafkaAccessError.Client;
import io.igdstream.streams.kafka.KafkaAccessError.Kind;
import io.igdstream.streams.kafka.KafkaAccessError.Refusal;
import io.igdstream.streams.metrics.StreamMetrics;
import io.igdstream.streams.snapshot.SnapshotFollower;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against a real SASL_SSL broker with the access table's ACLs: each refusal ends within the
 * client's timeouts with its one line, and the rows of the table are what the broker enforces. One
 * broker for the class (starting one takes seconds on a busy machine).
 */
@Tag("broker")
@Tag("security")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SecuredBrokerTest {

  private static final String NS = "sec";

  @TempDir static Path dir;
  private static SecuredKafkaBroker broker;
  private static TopicNames topics;
  private static LocalCertificates other;

  @BeforeAll
  static void start() throws Exception {
    broker = SecuredKafkaBroker.start(dir.resolve("broker"), NS);
    topics = new TopicNames(NS);
    TopicAdmin.ensure(
        settings(AccessTable.ADMIN),
        TopicsSettings.fromConfig(ConfigFactory.load()).specs(topics),
        Duration.ofSeconds(60));
    other = LocalCertificates.make(dir.resolve("other-ca"), "someone-else", false);
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  private static KafkaSettings settings(String user) {
    return settings(broker.clientProperties(user));
  }

  private static KafkaSettings settings(Map<String, String> client) {
    return StreamFixtures.kafka(broker.bootstrapServers()).withClient(client);
  }

  @Test
  void theBrokerHoldsExactlyTheTablesAcls() throws Exception {
    try (Admin admin = Admin.create(settings(AccessTable.ADMIN).adminProperties())) {
      Set<AclBinding> onBroker =
          new HashSet<>(
              admin.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS));
      assertEquals(new HashSet<>(SecuredKafkaBroker.aclBindings(NS)), onBroker);
    }
    // ingest 2 (write, and read to skip what it wrote), augment 5, corrupt 3, trainer 3,
    // evaluate 5, and every role's dlq
    assertEquals(23, AccessTable.grants().size());
  }

  @Test
  void eachRoleDoesWhatItsRowAllows() throws Exception {
    send(settings(Role.INGEST.user()), topics.samples());
    send(settings(Role.AUGMENT.user()), topics.trainAdversarial());
    send(settings(Role.TRAINER.user()), topics.snapshots());
    send(settings(Role.EVALUATE.user()), topics.reports());
    for (Role r : Role.values()) {
      send(settings(r.user()), topics.dlq());
    }
    // reading by assignment needs READ on the topic only
    assertTrue(read(settings(Role.EVALUATE.user()), topics.samples()) >= 1);
    assertTrue(read(settings(Role.CORRUPT.user()), topics.samples()) >= 1);
  }

  @Test
  void theJaasLineComesFromAConfigProviderWrittenInHocon() throws Exception {
    Path jaas = dir.resolve("augment.properties");
    Files.writeString(
        jaas, "sasl.jaas.config=" + broker.clientProperties("augment").get("sasl.jaas.config"));
    // as docs/SECURITY.md writes it: "${...}" and "config.providers" quoted
    String hocon =
        String.join(
            "\n",
            "igd.kafka.bootstrap-servers = \"" + broker.bootstrapServers() + "\"",
            "igd.kafka.client {",
            "  security.protocol = SASL_SSL",
            "  sasl.mechanism = SCRAM-SHA-512",
            "  \"config.providers\" = file",
            "  config.providers.file.class ="
                + " org.apache.kafka.common.config.provider.FileConfigProvider",
            "  sasl.jaas.config = \"${file:" + jaas + ":sasl.jaas.config}\"",
            "  ssl.truststore.type = PEM",
            "  ssl.truststore.location = \"" + broker.caCertificate() + "\"",
            "}");
    KafkaSettings kafka =
        KafkaSettings.fromConfig(
            ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()).resolve());
    assertEquals("file", kafka.client().get("config.providers"));
    assertFalse(kafka.toString().contains(broker.password("augment")), kafka.toString());
    assertTrue(read(kafka, topics.samples()) >= 0);
    describeCluster(kafka); // authenticated as augment through the provider
    send(kafka, topics.trainAdversarial()); // and authorised as augment
  }

  @Test
  void theTrainersSignedSnapshotsLoadInFollowersRunningAsAugmentAndEvaluate() throws Exception {
    SnapshotKeys.KeyFiles keys = SnapshotKeys.generate(dir.resolve("snapshot-keys"));
    var verifier = SnapshotVerifier.fromPemFile(keys.publicKey());
    var signer = SnapshotSigner.fromPemFile(keys.privateKey());
    var model = StreamFixtures.model(31);
    var metrics = new StreamMetrics(new PrometheusRegistry());
    try (var augment =
            SnapshotFollower.start(
                settings(Role.AUGMENT.user()),
                topics,
                "m",
                "augment",
                metrics,
                Optional.of(verifier));
        var evaluate =
            SnapshotFollower.start(
                settings(Role.EVALUATE.user()),
                topics,
                "m",
                "evaluate",
                metrics,
                Optional.of(verifier))) {
      byte[] payload = GradientThread.shared().call(() -> model.toModelFile(Map.of()).encode());
      try (KafkaProducer<byte[], byte[]> p =
          new KafkaProducer<>(settings(Role.TRAINER.user()).producerProperties())) {
        new SnapshotPublisher(p, topics.snapshots(), "m", 32 << 10)
            .signedBy(Optional.of(signer))
            .publish(payload, new SnapshotInfo("m", 0, "small-cnn", 1, 28, 28, 10, 1000, Map.of()));
      }
      assertEquals(0, augment.first().get(60, TimeUnit.SECONDS).version());
      assertEquals(0, evaluate.first().get(60, TimeUnit.SECONDS).version());
    } finally {
      StreamFixtures.close(model);
    }
  }

  @Test
  void aProducerThatLosesItsAclWhileRunningFailsWithTheLine() throws Exception {
    KafkaSettings kafka = settings(Role.AUGMENT.user());
    AclBinding write =
        SecuredKafkaBroker.aclBindings(NS).stream()
            .filter(
                b ->
                    b.pattern().name().equals(topics.trainAdversarial())
                        && b.entry().principal().equals("User:augment"))
            .findFirst()
            .orElseThrow();
    try (Admin admin = Admin.create(settings(AccessTable.ADMIN).adminProperties());
        KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.producerProperties())) {
      p.send(new ProducerRecord<>(topics.trainAdversarial(), new byte[] {1}))
          .get(60, TimeUnit.SECONDS);
      admin.deleteAcls(List.of(write.toFilter())).all().get(30, TimeUnit.SECONDS);
      try {
        Exception refused = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (refused == null && System.nanoTime() < deadline) {
          try { // the broker applies the change asynchronously
            p.send(new ProducerRecord<>(topics.trainAdversarial(), new byte[] {2}))
                .get(60, TimeUnit.SECONDS);
            Thread.sleep(200);
          } catch (java.util.concurrent.ExecutionException e) {
            refused = e;
          }
        }
        assertEquals(
            "user 'augment' may not WRITE topic sec.train.adversarial (an ACL is missing;"
                + " docs/SECURITY.md lists each role's)",
            classify(refused, Client.PRODUCER, kafka.producerProperties()).line());
      } finally {
        admin.createAcls(List.of(write)).all().get(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aWrongPasswordIsOneLineNamingTheUserNotThePassword() {
    Map<String, String> client =
        SecuredKafkaBroker.clientProperties("augment", "not-the-password", broker.caCertificate());
    KafkaSettings kafka = settings(client);
    Exception e = assertThrows(Exception.class, () -> describeCluster(kafka));
    Refusal r = classify(e, Client.ADMIN, kafka.adminProperties());
    assertEquals(Kind.AUTHENTICATION, r.kind());
    assertTrue(
        r.line()
            .startsWith(
                "Kafka rejected user 'augment' (SASL SCRAM-SHA-512) at "
                    + broker.bootstrapServers()),
        r.line());
    assertFalse(r.line().contains("not-the-password"), r.line());
  }

  @Test
  void aProducerWithAWrongPasswordFailsTooWithinItsTimeouts() {
    KafkaSettings kafka =
        settings(SecuredKafkaBroker.clientProperties("ingest", "wrong", broker.caCertificate()));
    long start = System.nanoTime();
    Exception e = assertThrows(Exception.class, () -> send(kafka, topics.samples()));
    Refusal r = classify(e, Client.PRODUCER, kafka.producerProperties());
    assertEquals(Kind.AUTHENTICATION, r.kind(), r.line());
    assertTrue(r.line().contains("'ingest'"), r.line());
    assertTrue(
        System.nanoTime() - start < TimeUnit.SECONDS.toNanos(60),
        "refused, not retried until a timeout");
  }

  @Test
  void noCredentialsIsOneLine() {
    Map<String, String> client = new HashMap<>(broker.clientProperties("augment"));
    client.remove("sasl.jaas.config");
    KafkaSettings kafka = settings(client);
    Exception e = assertThrows(Exception.class, () -> describeCluster(kafka));
    Refusal r = classify(e, Client.ADMIN, kafka.adminProperties());
    assertEquals(Kind.NO_CREDENTIALS, r.kind(), r.line());
    assertTrue(r.line().contains(broker.bootstrapServers()), r.line());
  }

  @Test
  void anUntrustedCertificateNamesTheHostAndTheTrustProblem() {
    KafkaSettings kafka =
        settings(
            SecuredKafkaBroker.clientProperties(
                "augment", broker.password("augment"), other.caCertificate()));
    Exception e = assertThrows(Exception.class, () -> describeCluster(kafka));
    Refusal r = classify(e, Client.ADMIN, kafka.adminProperties());
    assertEquals(Kind.TLS, r.kind(), r.line());
    assertEquals(
        "TLS handshake with "
            + broker.bootstrapServers()
            + " failed: the broker's certificate is not signed by a CA in ssl.truststore.location"
            + " (unable to find a valid certification path)",
        r.line());
    assertFalse(r.line().contains(broker.password("augment")));
  }

  @Test
  void augmentMayNotWriteSnapshots() {
    KafkaSettings kafka = settings(Role.AUGMENT.user());
    Exception e = assertThrows(Exception.class, () -> send(kafka, topics.snapshots()));
    assertEquals(
        "user 'augment' may not WRITE topic sec.snapshots (an ACL is missing; docs/SECURITY.md"
            + " lists each role's)",
        classify(e, Client.PRODUCER, kafka.producerProperties()).line());
  }

  @Test
  void corruptMayNotReadTrainAdversarial() {
    KafkaSettings kafka = settings(Role.CORRUPT.user());
    Exception e = assertThrows(Exception.class, () -> read(kafka, topics.trainAdversarial()));
    assertEquals(
        "user 'corrupt' may not READ topic sec.train.adversarial (an ACL is missing;"
            + " docs/SECURITY.md lists each role's)",
        classify(e, Client.CONSUMER, kafka.consumerProperties(null)).line());
  }

  @Test
  void corruptMayNotUseAnotherGroup() {
    KafkaSettings kafka = settings(Role.CORRUPT.user());
    Exception e =
        assertThrows(Exception.class, () -> readInGroup(kafka, topics.samples(), NS + ".trainer"));
    assertEquals(
        "user 'corrupt' may not READ group sec.trainer (an ACL is missing; docs/SECURITY.md lists"
            + " each role's)",
        classify(e, Client.CONSUMER, kafka.consumerProperties(NS + ".trainer")).line());
  }

  @Test
  void rolesMayNotCreateTopics() {
    KafkaSettings kafka = settings(Role.INGEST.user());
    Exception e =
        assertThrows(
            Exception.class,
            () -> {
              try (Admin admin = Admin.create(kafka.adminProperties())) {
                admin
                    .createTopics(List.of(new NewTopic(NS + ".extra", 1, (short) 1)))
                    .all()
                    .get(60, TimeUnit.SECONDS);
              }
            });
    Refusal r = classify(e, Client.ADMIN, kafka.adminProperties());
    assertEquals(Kind.AUTHORIZATION, r.kind(), r.line());
    assertTrue(r.line().startsWith("user 'ingest' may not"), r.line());
  }

  private static Refusal classify(Throwable e, Client client, Map<String, Object> properties) {
    return KafkaAccessError.classify(e, client, properties)
        .orElseThrow(() -> new AssertionError("not classified as a refusal", e));
  }

  private static void describeCluster(KafkaSettings kafka) throws Exception {
    try (Admin admin = Admin.create(kafka.adminProperties())) {
      admin.describeCluster().clusterId().get(60, TimeUnit.SECONDS);
    }
  }

  private static void send(KafkaSettings kafka, String topic) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.producerProperties())) {
      p.send(new ProducerRecord<>(topic, "k".getBytes(StandardCharsets.UTF_8), new byte[] {1}))
          .get(60, TimeUnit.SECONDS);
    }
  }

  private static int read(KafkaSettings kafka, String topic) {
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(kafka.consumerProperties(null))) {
      TopicPartition tp = new TopicPartition(topic, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      int n = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (n == 0 && System.nanoTime() < deadline) {
        n += c.poll(Duration.ofMillis(500)).count();
      }
      return n;
    }
  }

  private static void readInGroup(KafkaSettings kafka, String topic, String group) {
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(kafka.consumerProperties(group))) {
      c.subscribe(List.of(topic));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(500));
      }
    }
  }
}
