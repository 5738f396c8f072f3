package io.igdstream.streams.kafka;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Who may do what on the Kafka cluster (docs/SECURITY.md "Least privilege"): one row per role,
 * operation and topic or consumer group, and nothing else. The broker tests create their ACLs from
 * it, the Strimzi KafkaUser manifests in k8s/ must equal it (a test compares them) and the ACL
 * table in docs/SECURITY.md is checked against it. Kafka-free so that all of them can read it.
 *
 * <p>Names are relative to the topic prefix {@code {ns}}: a grant on {@code "samples"} is a grant
 * on {@code {ns}.samples}. Group names are the defaults of {@code igd.corrupt.group}, {@code
 * igd.augment.group} and {@code igd.trainer.group}; who renames a group renames its grant. READ and
 * WRITE on a topic imply DESCRIBE in Kafka, which the roles need to check that a topic exists and
 * to read end offsets. Nobody here may create or delete a topic, or alter an ACL: topics come from
 * the admin principal ({@link #ADMIN}, the {@code igd topics} job) or Strimzi's topic operator.
 */
public final class AccessTable {

  /** The principal that creates topics and manages users: a super user, run by an admin job. */
  public static final String ADMIN = "igd-admin";

  /** One igd-stream role, each with its own Kafka principal {@code User:<user>}. */
  public enum Role {
    INGEST,
    AUGMENT,
    CORRUPT,
    TRAINER,
    EVALUATE;

    /** The Kafka user name: the role's name in lower case (also the KafkaUser's name). */
    public String user() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The role of a user name. */
    public static Role ofUser(String user) {
      return valueOf(user.toUpperCase(Locale.ROOT));
    }
  }

  /** Kafka resource types used here. */
  public enum Resource {
    TOPIC,
    GROUP
  }

  /** How the resource name matches: exactly, or as a prefix (augment's per-epoch groups). */
  public enum Match {
    LITERAL,
    PREFIXED
  }

  /** Kafka ACL operations used here. */
  public enum Operation {
    READ,
    WRITE,
    DESCRIBE
  }

  /**
   * One allowed operation.
   *
   * @param role who
   * @param resource topic or group
   * @param name the name after {@code "{ns}."}
   * @param match literal or prefixed
   * @param operation what
   * @param why the reason, for the docs
   */
  public record Grant(
      Role role, Resource resource, String name, Match match, Operation operation, String why) {

    /** The resource's full name under topic prefix {@code prefix}. */
    public String resourceName(String prefix) {
      return prefix + "." + name;
    }
  }

  private static final List<Grant> GRANTS = build();

  private AccessTable() {}

  /** Every grant, in the table's order (role by role). */
  public static List<Grant> grants() {
    return GRANTS;
  }

  /** The grants of one role. */
  public static List<Grant> grants(Role role) {
    return GRANTS.stream().filter(g -> g.role() == role).toList();
  }

  /**
   * The topic names (after {@code "{ns}."}) a role touches, each once: what it may check for
   * existence instead of creating.
   */
  public static List<String> topics(Role role) {
    return grants(role).stream()
        .filter(g -> g.resource() == Resource.TOPIC)
        .map(Grant::name)
        .distinct()
        .toList();
  }

  /**
   * The table as markdown (role, resource, name, operation, why), for docs/SECURITY.md: a test
   * checks that the document contains exactly these lines.
   */
  public static List<String> markdown() {
    List<String> lines = new ArrayList<>();
    lines.add("| role | resource | name | operation | why |");
    lines.add("|---|---|---|---|---|");
    for (Grant g : GRANTS) {
      lines.add(
          "| "
              + g.role().user()
              + " | "
              + g.resource().name().toLowerCase(Locale.ROOT)
              + " | `{ns}."
              + g.name()
              + (g.match() == Match.PREFIXED ? "*" : "")
              + "` | "
              + g.operation()
              + " | "
              + g.why()
              + " |");
    }
    return lines;
  }

  private static List<Grant> build() {
    List<Grant> g = new ArrayList<>();
    topic(g, Role.INGEST, "samples", Operation.WRITE, "writes the images");
    topic(
        g,
        Role.INGEST,
        "samples",
        Operation.READ,
        "skips images already written, so a rerun writes none twice");

    topic(g, Role.AUGMENT, "samples", Operation.READ, "reads the training split every epoch");
    topic(g, Role.AUGMENT, "snapshots", Operation.READ, "follows the student's snapshots");
    topic(g, Role.AUGMENT, "train.adversarial", Operation.WRITE, "writes the adversarial batches");
    g.add(
        new Grant(
            Role.AUGMENT,
            Resource.GROUP,
            "augment.epoch-",
            Match.PREFIXED,
            Operation.READ,
            "one consumer group per epoch"));
    g.add(
        new Grant(
            Role.AUGMENT,
            Resource.GROUP,
            "trainer",
            Match.LITERAL,
            Operation.DESCRIBE,
            "reads the trainer group's lag (backpressure)"));

    topic(g, Role.CORRUPT, "samples", Operation.READ, "reads the test split");
    topic(g, Role.CORRUPT, "test.corrupted", Operation.WRITE, "writes the corrupted images");
    group(g, Role.CORRUPT, "corrupt", "its consumer group");

    topic(g, Role.TRAINER, "train.adversarial", Operation.READ, "trains on the batches");
    topic(g, Role.TRAINER, "snapshots", Operation.WRITE, "publishes (signed) snapshots");
    group(g, Role.TRAINER, "trainer", "its consumer group");

    topic(g, Role.EVALUATE, "snapshots", Operation.READ, "follows the snapshots");
    topic(g, Role.EVALUATE, "samples", Operation.READ, "reads the clean test split");
    topic(g, Role.EVALUATE, "test.corrupted", Operation.READ, "reads the corrupted test split");
    topic(g, Role.EVALUATE, "reports", Operation.READ, "skips versions already reported");
    topic(g, Role.EVALUATE, "reports", Operation.WRITE, "writes the reports");

    for (Role r : Role.values()) {
      topic(g, r, "dlq", Operation.WRITE, "dead-letters bad input");
    }
    g.sort(Comparator.comparing(Grant::role)); // stable: each role's rows together
    return List.copyOf(g);
  }

  private static void topic(List<Grant> g, Role role, String name, Operation op, String why) {
    g.add(new Grant(role, Resource.TOPIC, name, Match.LITERAL, op, why));
  }

  private static void group(List<Grant> g, Role role, String name, String why) {
    g.add(new Grant(role, Resource.GROUP, name, Match.LITERAL, Operation.READ, why));
  }
}
