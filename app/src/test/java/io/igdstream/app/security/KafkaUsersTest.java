package io.igdstream.app.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.igdstream.streams.kafka.AccessTable;
import io.igdstream.streams.kafka.AccessTable.Role;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.kafka.listener.GenericKafkaListener;
import io.strimzi.api.kafka.model.user.KafkaUser;
import io.strimzi.api.kafka.model.user.KafkaUserAuthorizationSimple;
import io.strimzi.api.kafka.model.user.acl.AclRule;
import io.strimzi.api.kafka.model.user.acl.AclRuleGroupResource;
import io.strimzi.api.kafka.model.user.acl.AclRuleTopicResource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The Kubernetes manifests grant exactly the access table of the code: one KafkaUser per role with
 * that role's ACLs (read with Strimzi's own model), a listener that authenticates, simple
 * authorization, each role's pod mounting its own user's Secret, the snapshot signing key in the
 * trainer's pod only; and docs/SECURITY.md shows the same table.
 */
class KafkaUsersTest {

  private static final String PREFIX = "fmnist";
  private static final String CLUSTER = "igd-kafka";

  private static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("k8s"))) {
      p = p.getParent();
    }
    assertNotNull(p, "no k8s/ above the working directory");
    return p;
  }

  /** Every YAML document under k8s/base as (text, tree). */
  private static List<Map.Entry<String, Map<String, Object>>> baseDocs() throws IOException {
    List<Map.Entry<String, Map<String, Object>>> out = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> s = Files.list(root().resolve("k8s/base"))) {
      files = s.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    for (Path f : files) {
      for (String text : Files.readString(f).split("(?m)^---\\s*$")) {
        Object tree = new Load(LoadSettings.builder().build()).loadFromString(text);
        if (tree instanceof Map<?, ?> m) {
          @SuppressWarnings("unchecked")
          Map<String, Object> t = (Map<String, Object>) m;
          out.add(Map.entry(text, t));
        }
      }
    }
    return out;
  }

  private static String aclKey(String user, String type, String name, String pattern, String op) {
    return String.join(" ", user, type, name, pattern, op).toLowerCase(Locale.ROOT);
  }

  @Test
  void kafkaUsersHaveExactlyTheAccessTablesAcls() throws IOException {
    Set<String> expected = new TreeSet<>();
    for (AccessTable.Grant g : AccessTable.grants()) {
      expected.add(
          aclKey(
              g.role().user(),
              g.resource().name(),
              g.resourceName(PREFIX),
              g.match() == AccessTable.Match.PREFIXED ? "prefix" : "literal",
              g.operation().name()));
    }
    Set<String> manifests = new TreeSet<>();
    Set<String> users = new HashSet<>();
    for (var doc : baseDocs()) {
      if (!"KafkaUser".equals(doc.getValue().get("kind"))) {
        continue;
      }
      KafkaUser u = Serialization.unmarshal(doc.getKey(), KafkaUser.class);
      String user = u.getMetadata().getName();
      assertTrue(users.add(user), "two KafkaUsers " + user);
      assertEquals(CLUSTER, u.getMetadata().getLabels().get("strimzi.io/cluster"), user);
      assertEquals("scram-sha-512", u.getSpec().getAuthentication().getType(), user);
      KafkaUserAuthorizationSimple authz =
          (KafkaUserAuthorizationSimple) u.getSpec().getAuthorization();
      for (AclRule rule : authz.getAcls()) {
        String type;
        String name;
        String pattern;
        if (rule.getResource() instanceof AclRuleTopicResource t) {
          type = "topic";
          name = t.getName();
          pattern = t.getPatternType().toValue();
        } else if (rule.getResource() instanceof AclRuleGroupResource g) {
          type = "group";
          name = g.getName();
          pattern = g.getPatternType().toValue();
        } else {
          throw new AssertionError(user + ": an ACL on " + rule.getResource().getType());
        }
        assertEquals(List.of(), rule.getAdditionalProperties().keySet().stream().toList(), user);
        assertTrue(rule.getOperation() == null, user + ": use operations, not operation");
        for (var op : rule.getOperations()) {
          manifests.add(aclKey(user, type, name, pattern, op.toValue()));
        }
      }
    }
    Set<String> roles = new HashSet<>();
    for (Role r : Role.values()) {
      roles.add(r.user());
    }
    assertEquals(roles, users, "one KafkaUser per role");
    assertEquals(expected, manifests, "KafkaUser ACLs = AccessTable");
  }

  @Test
  void theOnlyListenerIsTlsWithAuthenticationAndAclsAreEnforced() throws IOException {
    Kafka kafka = null;
    for (var doc : baseDocs()) {
      if ("Kafka".equals(doc.getValue().get("kind"))) {
        kafka = Serialization.unmarshal(doc.getKey(), Kafka.class);
      }
    }
    assertNotNull(kafka, "no Kafka");
    for (GenericKafkaListener l : kafka.getSpec().getKafka().getListeners()) {
      assertTrue(l.isTls(), l.getName() + ": TLS");
      assertNotNull(l.getAuth(), l.getName() + ": authentication");
      assertEquals("scram-sha-512", l.getAuth().getType(), l.getName());
    }
    assertEquals("simple", kafka.getSpec().getKafka().getAuthorization().getType());
  }

  @Test
  void eachRoleMountsItsOwnUserAndOnlyTheTrainerTheSigningKey() throws IOException {
    Map<String, Role> byCommand =
        Map.of(
            "ingest",
            Role.INGEST,
            "augment",
            Role.AUGMENT,
            "corrupt",
            Role.CORRUPT,
            "train",
            Role.TRAINER,
            "evaluate",
            Role.EVALUATE);
    Map<Role, Set<String>> secretsOf = new HashMap<>();
    for (var doc : baseDocs()) {
      Object kind = doc.getValue().get("kind");
      if (!"Deployment".equals(kind) && !"Job".equals(kind)) {
        continue;
      }
      Map<?, ?> pod =
          (Map<?, ?>)
              ((Map<?, ?>) ((Map<?, ?>) doc.getValue().get("spec")).get("template")).get("spec");
      List<?> containers = (List<?>) pod.get("containers");
      String command =
          String.valueOf(((List<?>) ((Map<?, ?>) containers.get(0)).get("args")).get(0));
      Role role = byCommand.get(command);
      if (role == null) {
        continue; // no Kafka client (the teacher job)
      }
      Set<String> secrets = new HashSet<>();
      for (Object v : (List<?>) pod.get("volumes")) {
        Object secret = ((Map<?, ?>) v).get("secret");
        if (secret != null) {
          secrets.add(String.valueOf(((Map<?, ?>) secret).get("secretName")));
        }
      }
      secretsOf.put(role, secrets);
    }
    assertEquals(Set.of(Role.values()), secretsOf.keySet(), "a workload per role");
    for (Role r : Role.values()) {
      Set<String> s = secretsOf.get(r);
      assertTrue(s.contains(r.user()), r + " mounts its KafkaUser Secret: " + s);
      assertTrue(s.contains(CLUSTER + "-cluster-ca-cert"), r + " mounts the cluster CA: " + s);
      for (Role other : Role.values()) {
        assertTrue(other == r || !s.contains(other.user()), r + " mounts " + other + "'s Secret");
      }
      assertEquals(
          r == Role.TRAINER,
          s.contains("igd-snapshot-signing-key"),
          r + ": the private signing key only in the trainer's pod");
      assertEquals(
          r == Role.AUGMENT || r == Role.EVALUATE,
          s.contains("igd-snapshot-verify-key"),
          r + ": the followers verify snapshots");
    }
  }

  @Test
  void securityDocShowsTheAccessTable() throws IOException {
    String doc = Files.readString(root().resolve("docs/SECURITY.md"));
    String table = String.join("\n", AccessTable.markdown());
    assertTrue(
        doc.contains(table),
        "docs/SECURITY.md must contain the table AccessTable.markdown() prints:\n" + table);
  }
}
