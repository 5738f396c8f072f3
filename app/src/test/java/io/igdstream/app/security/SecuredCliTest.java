package io.igdstream.app.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.igdstream.app.IgdCommand;
import io.igdstream.app.cli.ExitCode;
import io.igdstream.streams.kafka.AccessTable;
import io.igdstream.streams.kafka.AccessTable.Role;
import io.igdstream.streams.kafka.SecuredKafkaBroker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line against a real secured broker (SASL_SSL, SCRAM-SHA-512, the ACLs of {@link
 * AccessTable}): a refused client ends with one line and exit code 2, the right credentials (read
 * through Kafka's FileConfigProvider) work, and no secret appears in any output.
 */
class SecuredCliTest {

  private static final String PREFIX = "sec";
  private static final Path FIXTURE =
      Path.of("../core/src/test/resources/fixtures/fashion-mnist-small");

  @TempDir static Path dir;
  private static SecuredKafkaBroker broker;
  private static final String WRONG_PASSWORD = "not-the-password-7f3a9c";

  /** Every output of every run, for the secrets grep. */
  private static final List<String> OUTPUTS = new ArrayList<>();

  record Result(int exitCode, String out, String err) {
    List<String> errorLines() {
      return Arrays.stream(err.split("\\R"))
          .filter(line -> !line.isBlank() && !line.startsWith("["))
          .toList();
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
    }
  }

  @BeforeAll
  static void startBroker() throws Exception {
    broker = SecuredKafkaBroker.start(dir.resolve("broker"), PREFIX);
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  private static synchronized Result igd(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      System.setOut(o);
      System.setErr(e);
      code = IgdCommand.execute(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    Result r =
        new Result(
            code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    OUTPUTS.add(r.out);
    OUTPUTS.add(r.err);
    oldErr.print(r.err);
    return r;
  }

  /** HOCON quoting of a string value. */
  private static String q(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /**
   * A config file for {@code user}: the JAAS line (with its password) in a separate properties file
   * read by Kafka's FileConfigProvider, so the config file itself holds no secret.
   */
  private static Path configFor(String user, String password) throws IOException {
    Path secret = dir.resolve(user + "-jaas.properties");
    Files.writeString(
        secret,
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required"
            + " username=\""
            + user
            + "\" password=\""
            + password
            + "\";\n");
    StringBuilder c = new StringBuilder("igd {\n");
    c.append("  kafka.bootstrap-servers = ").append(q(broker.bootstrapServers())).append('\n');
    c.append("  topics.create = false\n");
    c.append("  kafka.client {\n");
    c.append("    security.protocol = SASL_SSL\n");
    c.append("    sasl.mechanism = ").append(SecuredKafkaBroker.MECHANISM).append('\n');
    c.append("    \"config.providers\" = file\n");
    c.append(
        "    config.providers.file.class ="
            + " org.apache.kafka.common.config.provider.FileConfigProvider\n");
    c.append("    sasl.jaas.config = ")
        .append(q("${file:" + secret.toAbsolutePath() + ":sasl.jaas.config}"))
        .append('\n');
    c.append("    ssl.truststore.type = PEM\n");
    c.append("    ssl.truststore.location = ")
        .append(q(broker.caCertificate().toAbsolutePath().toString()))
        .append('\n');
    for (Map.Entry<String, String> e : SecuredKafkaBroker.failFast().entrySet()) {
      c.append("    ").append(e.getKey()).append(" = ").append(e.getValue()).append('\n');
    }
    c.append("  }\n}\n");
    Path file = dir.resolve(user + "-" + Integer.toHexString(password.hashCode()) + ".conf");
    Files.writeString(file, c.toString());
    return file;
  }

  /** Like {@link #configFor} but the JAAS line (so the user name) written inline. */
  private static Path inlineConfigFor(String user, String password) throws IOException {
    Path file = dir.resolve(user + "-inline.conf");
    StringBuilder c = new StringBuilder("igd {\n");
    c.append("  kafka.bootstrap-servers = ").append(q(broker.bootstrapServers())).append('\n');
    c.append("  kafka.client {\n");
    for (Map.Entry<String, String> e :
        SecuredKafkaBroker.clientProperties(user, password, broker.caCertificate()).entrySet()) {
      c.append("    ").append(q(e.getKey())).append(" = ").append(q(e.getValue())).append('\n');
    }
    c.append("  }\n}\n");
    Files.writeString(file, c.toString());
    return file;
  }

  private static void assertOneLine(Result r, String... fragments) {
    assertEquals(ExitCode.BAD_INPUT, r.exitCode(), r.toString());
    List<String> lines = r.errorLines();
    assertEquals(1, lines.size(), "expected one error line: " + r);
    for (String f : fragments) {
      assertTrue(lines.get(0).contains(f), "'" + f + "' missing from: " + lines.get(0));
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES) // a refusal must not hang or retry forever
  void securedRunRefusesWithOneLineAndWorksWithTheRightCredentialsWithoutLeakingSecrets()
      throws IOException {
    String corrupt = Role.CORRUPT.user();
    String ingest = Role.INGEST.user();

    // a wrong password: one line naming the user, mechanism and servers; exit 2
    Result wrong =
        igd(
            "corrupt",
            "--config",
            inlineConfigFor(corrupt, WRONG_PASSWORD).toString(),
            "--topic-prefix",
            PREFIX,
            "--metrics-port",
            "-1",
            "--until-caught-up");
    assertOneLine(
        wrong,
        "igd corrupt: Kafka rejected user '"
            + corrupt
            + "' (SASL SCRAM-SHA-512) at "
            + broker.bootstrapServers());

    // a role may not create topics: the admin does, with igd topics
    Result topics =
        igd(
            "topics",
            "--config",
            configFor(AccessTable.ADMIN, broker.password(AccessTable.ADMIN)).toString(),
            "--topic-prefix",
            PREFIX);
    assertEquals(ExitCode.OK, topics.exitCode(), topics.toString());
    assertTrue(topics.out().contains(PREFIX + ".samples"), topics.out());

    // the right credentials through the FileConfigProvider: ingest writes its samples
    Result ingested =
        igd(
            "ingest",
            "--config",
            configFor(ingest, broker.password(ingest)).toString(),
            "--dataset",
            "idx:" + FIXTURE,
            "--train-limit",
            "8",
            "--test-limit",
            "4",
            "--topic-prefix",
            PREFIX,
            "--metrics-port",
            "-1");
    assertEquals(ExitCode.OK, ingested.exitCode(), ingested.toString());

    // corrupt's user writing samples is outside its row of the table: one line, exit 2
    Result outsideItsRow =
        igd(
            "ingest",
            "--config",
            configFor(corrupt, broker.password(corrupt)).toString(),
            "--dataset",
            "idx:" + FIXTURE,
            "--train-limit",
            "12", // 4 images not yet written (ingest skips those already there)
            "--test-limit",
            "0",
            "--topic-prefix",
            PREFIX,
            "--metrics-port",
            "-1");
    assertOneLine(outsideItsRow, "may not WRITE topic " + PREFIX + ".samples");

    for (String[] help :
        List.of(
            new String[] {"--help"},
            new String[] {"corrupt", "--help"},
            new String[] {"ingest", "--help"},
            new String[] {"topics", "--help"},
            new String[] {"keys", "--help"})) {
      assertEquals(ExitCode.OK, igd(help).exitCode());
    }

    List<String> secrets = new ArrayList<>(broker.secrets());
    secrets.add(WRONG_PASSWORD);
    for (String output : OUTPUTS) {
      for (String secret : secrets) {
        assertFalse(output.contains(secret), "a secret was printed:\n" + output);
      }
      assertFalse(output.contains("ScramLoginModule"), "a JAAS line was printed:\n" + output);
    }
  }
}
