package io.igdstream.app;

import static io.igdstream.app.DeployFiles.at;
import static io.igdstream.app.DeployFiles.list;
import static io.igdstream.app.DeployFiles.map;
import static io.igdstream.app.DeployFiles.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.igdstream.app.DeployFiles.Doc;
import io.igdstream.app.cli.Settings;
import io.igdstream.schemas.TopicNames;
import io.igdstream.streams.kafka.TopicSpec;
import io.igdstream.streams.kafka.TopicsSettings;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.crdgenerator.annotations.PresentInVersions;
import io.strimzi.crdgenerator.annotations.RequiredInVersions;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** k8s/ checked offline against the Kubernetes model and the code (ISSUE 6). */
class DeployManifestsTest {

  static final String PREFIX = "fmnist";

  /**
   * The Strimzi API version every Strimzi resource here uses (Strimzi 0.49 introduced it, 1.0
   * serves nothing else).
   */
  static final String STRIMZI_VERSION = "v1";

  static final String STRIMZI = "kafka.strimzi.io/" + STRIMZI_VERSION;
  static final Set<String> BUILT_IN =
      Set.of("v1", "apps/v1", "batch/v1", "networking.k8s.io/v1", "autoscaling/v2");

  /**
   * Spec fields of the KEDA and Prometheus Operator kinds used here, as their CRDs define them
   * (checked as plain YAML).
   */
  static final Map<String, Map<String, Set<String>>> CRD_SPEC =
      Map.of(
          "keda.sh/v1alpha1",
              Map.of(
                  "ScaledObject",
                  Set.of(
                      "scaleTargetRef",
                      "pollingInterval",
                      "cooldownPeriod",
                      "initialCooldownPeriod",
                      "idleReplicaCount",
                      "minReplicaCount",
                      "maxReplicaCount",
                      "fallback",
                      "advanced",
                      "triggers")),
          "monitoring.coreos.com/v1",
              Map.of(
                  "PodMonitor",
                      Set.of(
                          "jobLabel",
                          "podTargetLabels",
                          "podMetricsEndpoints",
                          "selector",
                          "namespaceSelector",
                          "sampleLimit",
                          "targetLimit",
                          "labelLimit",
                          "labelNameLengthLimit",
                          "labelValueLengthLimit",
                          "attachMetadata",
                          "scrapeClass"),
                  "PrometheusRule", Set.of("groups")));

  /**
   * Annotations Strimzi ignores since 0.48: KRaft and node pools are the only mode (the only one v1
   * can express).
   */
  static final Set<String> RETIRED_STRIMZI_ANNOTATIONS =
      Set.of("strimzi.io/node-pools", "strimzi.io/kraft");

  /** The Strimzi kinds used here and their classes in Strimzi's own model (io.strimzi:api). */
  static final Map<String, Class<? extends HasMetadata>> STRIMZI_KINDS =
      Map.of(
          "Kafka",
          Kafka.class,
          "KafkaNodePool",
          KafkaNodePool.class,
          "KafkaTopic",
          KafkaTopic.class,
          "KafkaUser",
          io.strimzi.api.kafka.model.user.KafkaUser.class);

  static List<Doc> resources() {
    return DeployFiles.k8sDocs().stream()
        .filter(d -> !"Kustomization".equals(d.tree().get("kind")))
        .toList();
  }

  static List<Doc> workloads() {
    return resources().stream()
        .filter(d -> Set.of("Deployment", "Job").contains(d.tree().get("kind")))
        .toList();
  }

  static List<Map<String, Object>> containers(Doc d) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String key : List.of("containers", "initContainers")) {
      Object cs = at(d.tree(), "spec.template.spec." + key);
      if (cs != null) {
        list(cs, d + " " + key).forEach(c -> out.add(map(c, d + " container")));
      }
    }
    return out;
  }

  /** A patch (under overlays/) holds only what it changes; base resources must be complete. */
  static boolean isBase(Doc d) {
    return d.file().toString().contains("/k8s/base/");
  }

  @Test
  void everyManifestParsesIntoTheKubernetesModelWithoutUnknownFields() {
    List<Doc> docs = resources();
    assertTrue(docs.size() >= 15, "expected the base's resources, found " + docs.size());
    for (Doc d : docs) {
      String api = String.valueOf(d.tree().get("apiVersion"));
      String kind = String.valueOf(d.tree().get("kind"));
      assertNotNull(at(d.tree(), "metadata.name"), d + ": metadata.name");
      if (BUILT_IN.contains(api)) {
        Object parsed = Serialization.unmarshal(d.text());
        assertTrue(
            parsed instanceof HasMetadata && !(parsed instanceof GenericKubernetesResource),
            d
                + ": "
                + api
                + " "
                + kind
                + " is not a built-in kind ("
                + parsed.getClass().getName()
                + ")");
        assertEquals(kind, ((HasMetadata) parsed).getKind(), d.toString());
        List<String> unknown = new ArrayList<>();
        unknownFields(parsed, kind, unknown, new IdentityHashMap<>());
        assertEquals(List.of(), unknown, d + ": fields the Kubernetes model does not define");
      } else if (api.startsWith("kafka.strimzi.io/")) {
        assertEquals(STRIMZI, api, d + ": Strimzi resources use " + STRIMZI);
        Class<? extends HasMetadata> model = STRIMZI_KINDS.get(kind);
        assertNotNull(model, d + ": unexpected Strimzi kind " + kind);
        assertEquals(
            List.of(),
            strimziProblems(d.text(), model, isBase(d)),
            d + ": not a valid " + STRIMZI + " " + kind);
      } else if (CRD_SPEC.containsKey(api)) {
        Set<String> allowed = CRD_SPEC.get(api).get(kind);
        assertNotNull(allowed, d + ": unexpected " + api + " kind " + kind);
        Set<String> unknown =
            new java.util.TreeSet<>(map(d.tree().get("spec"), d + " spec").keySet());
        unknown.removeAll(allowed);
        assertEquals(Set.of(), unknown, d + ": fields " + kind + " does not define");
      } else {
        fail(d + ": unexpected apiVersion " + api);
      }
    }
  }

  /**
   * Collects paths of fields that landed in a model object's additionalProperties (fabric8's and
   * Strimzi's models).
   */
  static void unknownFields(Object o, String path, List<String> out, Map<Object, Boolean> seen) {
    walk(
        o,
        path,
        new ModelVisitor() {
          @Override
          public void property(Object owner, Method getter, Object value, String ownerPath) {
            if (getter.getName().equals("getAdditionalProperties")
                && value instanceof Map<?, ?> extra
                && !extra.isEmpty()) {
              out.add(ownerPath + ": " + extra.keySet());
            }
          }
        },
        seen);
  }

  /**
   * What {@link #walk} reports: every model object it enters and every property (getter) of one.
   */
  interface ModelVisitor {
    default void enter(Object model, String path) {}

    default void property(Object owner, Method getter, Object value, String ownerPath) {}
  }

  static boolean isModel(Class<?> c) {
    return c.getName().startsWith("io.fabric8.kubernetes.api.model")
        || c.getName().startsWith("io.strimzi.api.kafka.model");
  }

  /** Walks a parsed manifest through its getters, into lists, maps and nested model objects. */
  static void walk(Object o, String path, ModelVisitor visitor, Map<Object, Boolean> seen) {
    if (o == null || seen.put(o, true) != null) {
      return;
    }
    if (o instanceof Collection<?> c) {
      int i = 0;
      for (Object e : c) {
        walk(e, path + "[" + i++ + "]", visitor, seen);
      }
      return;
    }
    if (o instanceof Map<?, ?> m) {
      m.forEach((k, v) -> walk(v, path + "." + k, visitor, seen));
      return;
    }
    if (!isModel(o.getClass())) {
      return;
    }
    visitor.enter(o, path);
    for (Method g : o.getClass().getMethods()) {
      if (!isGetter(g)) {
        continue;
      }
      Object v;
      try {
        v = g.invoke(o);
      } catch (ReflectiveOperationException e) {
        continue;
      }
      visitor.property(o, g, v, path);
      if (!g.getName().equals("getAdditionalProperties")) {
        walk(v, path + "." + fieldName(g), visitor, seen);
      }
    }
  }

  static boolean isGetter(Method g) {
    if (g.getParameterCount() != 0
        || Modifier.isStatic(g.getModifiers())
        || g.isBridge()
        || g.getDeclaringClass() == Object.class) {
      return false;
    }
    String n = g.getName();
    return n.startsWith("get") && n.length() > 3
        || n.startsWith("is")
            && n.length() > 2
            && (g.getReturnType() == boolean.class || g.getReturnType() == Boolean.class);
  }

  /** The manifest field a getter reads: its {@code @JsonProperty} name, else the bean name. */
  static String fieldName(Method g) {
    JsonProperty json = g.getAnnotation(JsonProperty.class);
    if (json != null && !json.value().isEmpty()) {
      return json.value();
    }
    String n = g.getName().substring(g.getName().startsWith("is") ? 2 : 3);
    return Character.toLowerCase(n.charAt(0)) + n.substring(1);
  }

  /**
   * Parses a Strimzi resource into Strimzi's model and lists what is wrong with it for {@link
   * #STRIMZI_VERSION}: fields the model does not define (its additionalProperties), fields and
   * {@code type:} variants set that Strimzi marks {@code @PresentInVersions} without that version
   * (v1 dropped e.g. spec.zookeeper, spec.kafka.replicas/storage/resources, spec.jmxTrans, the
   * keycloak/opa authorizations), and, for a complete resource (not an overlay's patch), fields
   * {@code @RequiredInVersions} or {@code @JsonProperty(required = true)} left out (v1 requires
   * spec).
   */
  static List<String> strimziProblems(
      String yaml, Class<? extends HasMetadata> model, boolean complete) {
    HasMetadata r;
    try {
      r = Serialization.unmarshal(yaml, model);
    } catch (RuntimeException e) {
      return List.of(
          "does not parse into "
              + model.getName()
              + ": "
              + e
              + (e.getCause() == null ? "" : ": " + e.getCause()));
    }
    List<String> out = new ArrayList<>();
    List<String> served = strimziVersions(model);
    if (!served.contains(STRIMZI_VERSION)) {
      out.add(model.getSimpleName() + " serves " + served + ", not " + STRIMZI_VERSION);
    }
    String kind = model.getSimpleName();
    Map<String, String> annotations =
        r.getMetadata() == null ? null : r.getMetadata().getAnnotations();
    if (annotations != null) {
      annotations.keySet().stream()
          .filter(RETIRED_STRIMZI_ANNOTATIONS::contains)
          .forEach(
              a ->
                  out.add(kind + ".metadata.annotations: " + a + " is ignored since Strimzi 0.48"));
    }
    unknownFields(r, kind, out, new IdentityHashMap<>());
    walk(
        r,
        kind,
        new ModelVisitor() {
          @Override
          public void enter(Object o, String path) {
            PresentInVersions type = o.getClass().getAnnotation(PresentInVersions.class);
            if (type != null && !inVersions(type.value(), STRIMZI_VERSION)) {
              out.add(
                  path
                      + ": "
                      + o.getClass().getSimpleName()
                      + " exists in "
                      + type.value()
                      + ", not "
                      + STRIMZI_VERSION);
            }
          }

          @Override
          public void property(Object owner, Method g, Object v, String ownerPath) {
            if (!owner.getClass().getName().startsWith("io.strimzi.")) {
              return;
            }
            String path = ownerPath + "." + fieldName(g);
            PresentInVersions present = g.getAnnotation(PresentInVersions.class);
            if (present != null
                && !inVersions(present.value(), STRIMZI_VERSION)
                && isSet(owner, g, v)) {
              out.add(path + " exists in " + present.value() + ", not " + STRIMZI_VERSION);
            }
            RequiredInVersions required = g.getAnnotation(RequiredInVersions.class);
            JsonProperty json = g.getAnnotation(JsonProperty.class);
            if (complete
                && v == null
                && (required != null && inVersions(required.value(), STRIMZI_VERSION)
                    || json != null && json.required())) {
              out.add(path + " is required in " + STRIMZI_VERSION);
            }
          }
        },
        new IdentityHashMap<>());
    return out;
  }

  /** The versions a Strimzi kind is served in (its public static VERSIONS). */
  @SuppressWarnings("unchecked")
  static List<String> strimziVersions(Class<?> model) {
    try {
      return (List<String>) model.getField("VERSIONS").get(null);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(model + " has no VERSIONS", e);
    }
  }

  /** Set in the manifest: not null, not empty, not the value a fresh model object has. */
  static boolean isSet(Object owner, Method getter, Object value) {
    if (value == null
        || value instanceof Collection<?> c && c.isEmpty()
        || value instanceof Map<?, ?> m && m.isEmpty()) {
      return false;
    }
    try {
      return !value.equals(getter.invoke(owner.getClass().getConstructor().newInstance()));
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }

  private static final Pattern API_VERSION = Pattern.compile("v(\\d+)(?:(alpha|beta)(\\d+))?");

  /**
   * A Kubernetes API version as (major, stage: alpha 0 / beta 1 / GA 2, minor), ordered v1alpha1 <
   * v1beta2 < v1 < v2.
   */
  static int[] versionOrder(String version) {
    Matcher m = API_VERSION.matcher(version);
    assertTrue(m.matches(), "not an API version: " + version);
    int stage = m.group(2) == null ? 2 : m.group(2).equals("beta") ? 1 : 0;
    return new int[] {
      Integer.parseInt(m.group(1)), stage, m.group(3) == null ? 0 : Integer.parseInt(m.group(3))
    };
  }

  /**
   * Whether a Strimzi version range holds a version. The forms are those of Strimzi's VersionRange:
   * {@code all}, {@code empty}, {@code v1beta2}, {@code v1+}, {@code v1alpha1-v1beta2}.
   */
  static boolean inVersions(String range, String version) {
    if (range.equals("all") || range.equals("empty")) {
      return range.equals("all");
    }
    int[] v = versionOrder(version);
    if (range.endsWith("+")) {
      return Arrays.compare(versionOrder(range.substring(0, range.length() - 1)), v) <= 0;
    }
    int dash = range.indexOf('-');
    if (dash > 0) {
      return Arrays.compare(versionOrder(range.substring(0, dash)), v) <= 0
          && Arrays.compare(v, versionOrder(range.substring(dash + 1))) <= 0;
    }
    return Arrays.equals(versionOrder(range), v);
  }

  @Test
  void theUnknownFieldCheckCanFail() {
    Object parsed =
        Serialization.unmarshal(
            """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: x}
        spec:
          template:
            spec:
              containers:
                - name: igd
                  args: ["train"]
                  readinesProbe: {}
        """);
    List<String> unknown = new ArrayList<>();
    unknownFields(parsed, "Deployment", unknown, new IdentityHashMap<>());
    assertEquals(1, unknown.size(), unknown.toString());
    assertTrue(unknown.get(0).contains("readinesProbe"), unknown.toString());
  }

  @Test
  void theStrimziChecksCanFail() {
    // v1beta2-only fields, a misspelt one, a v1beta2-only authorization type: all reported
    List<String> kafka =
        strimziProblems(
            """
        apiVersion: kafka.strimzi.io/v1
        kind: Kafka
        metadata: {name: x, annotations: {strimzi.io/kraft: enabled}}
        spec:
          zookeeper: {replicas: 3, storage: {type: ephemeral}}
          kafka:
            replicas: 3
            storage: {type: ephemeral}
            listners: []
            listeners: [{name: plain, port: 9092, type: internal, tls: false}]
            authorization: {type: opa, url: "http://opa"}
        """,
            Kafka.class,
            true);
    for (String expected :
        List.of(
            "Kafka.spec.zookeeper exists in v1beta2",
            "Kafka.spec.kafka.replicas exists in v1beta2",
            "Kafka.spec.kafka.storage exists in v1beta2",
            "Kafka.spec.kafka: [listners]",
            "KafkaAuthorizationOpa exists in v1beta2",
            "strimzi.io/kraft is ignored")) {
      assertTrue(kafka.stream().anyMatch(p -> p.contains(expected)), expected + " not in " + kafka);
    }
    assertEquals(6, kafka.size(), kafka.toString());
    // v1 requires spec (and Kafka's spec.kafka); a patch may leave them out
    assertEquals(
        List.of("KafkaTopic.spec is required in v1"),
        strimziProblems(
            """
        apiVersion: kafka.strimzi.io/v1
        kind: KafkaTopic
        metadata: {name: t}
        """,
            KafkaTopic.class,
            true));
    String emptySpec =
        """
        apiVersion: kafka.strimzi.io/v1
        kind: Kafka
        metadata: {name: x}
        spec: {}
        """;
    assertEquals(
        List.of("Kafka.spec.kafka is required in v1"),
        strimziProblems(emptySpec, Kafka.class, true));
    assertEquals(List.of(), strimziProblems(emptySpec, Kafka.class, false));
  }

  @Test
  void strimziVersionRangesReadAsStrimziWritesThem() {
    assertFalse(inVersions("v1beta2", "v1"));
    assertFalse(inVersions("v1alpha1-v1beta2", "v1"));
    assertTrue(inVersions("v1alpha1-v1beta2", "v1beta1"));
    assertTrue(inVersions("v1+", "v1"));
    assertTrue(inVersions("v1beta2+", "v1"));
    assertFalse(inVersions("v1+", "v1beta2"));
    assertTrue(inVersions("all", "v1"));
    assertFalse(inVersions("empty", "v1"));
    // the annotations are read at all (their declaring jar is not on the class path; see
    // PresentInVersions)
    assertEquals(List.of("v1", "v1beta2"), strimziVersions(Kafka.class));
  }

  static List<Doc> kustomizations() {
    return DeployFiles.k8sDocs().stream()
        .filter(d -> "Kustomization".equals(d.tree().get("kind")))
        .toList();
  }

  /** kind/name of each resource of the base. */
  static Set<String> baseIds() {
    return resources().stream()
        .filter(DeployManifestsTest::isBase)
        .map(DeployManifestsTest::id)
        .collect(Collectors.toSet());
  }

  static String id(Doc d) {
    return id(d.tree());
  }

  static String id(Map<String, Object> tree) {
    return tree.get("kind") + "/" + at(tree, "metadata.name");
  }

  /**
   * The documents of a kustomization's patches: the files they name and the inline ones, parsed.
   */
  static List<Map<String, Object>> patches(Doc k) {
    List<Map<String, Object>> out = new ArrayList<>();
    if (k.tree().get("patches") == null) {
      return out;
    }
    for (Object o : list(k.tree().get("patches"), k + " patches")) {
      Map<String, Object> p = map(o, k + " patch");
      assertTrue(
          p.get("path") != null ^ p.get("patch") != null,
          k + ": a patch has a path or an inline patch: " + p);
      if (p.get("path") != null) {
        Path file = k.file().getParent().resolve(String.valueOf(p.get("path")));
        assertTrue(Files.exists(file), k + " refers to missing " + p.get("path"));
        DeployFiles.docs(file).forEach(d -> out.add(d.tree()));
      } else {
        out.add(
            map(
                new Load(LoadSettings.builder().build())
                    .loadFromString(String.valueOf(p.get("patch"))),
                k + " inline patch"));
      }
      if (p.get("target") != null) {
        Map<String, Object> target = map(p.get("target"), k + " patch target");
        assertTrue(
            baseIds().contains(target.get("kind") + "/" + target.get("name")),
            k + ": patch target " + target + " is not in base");
      }
    }
    return out;
  }

  @Test
  void kustomizationsNameFilesThatExist() {
    List<Doc> ks = kustomizations();
    assertEquals(
        List.of("base", "cpu", "gpu", "hpa", "mtls"),
        ks.stream().map(k -> k.file().getParent().getFileName().toString()).toList());
    Set<String> base = baseIds();
    for (Doc k : ks) {
      Path dir = k.file().getParent();
      List<String> refs = new ArrayList<>();
      if (k.tree().get("resources") != null) {
        refs.addAll(strings(k.tree().get("resources"), k + " resources"));
      }
      for (String r : refs) {
        assertTrue(Files.exists(dir.resolve(r)), k + " refers to missing " + r);
      }
      // an overlay's patches change (or delete) resources the base has
      for (Map<String, Object> p : patches(k)) {
        assertTrue(
            base.contains(id(p)),
            k + ": patch on " + id(p) + ", which the base does not have " + base);
      }
      if (dir.endsWith("base")) {
        try (var s = Files.list(dir)) {
          for (Path f :
              s.filter(f -> f.toString().endsWith(".yaml") && !f.endsWith("kustomization.yaml"))
                  .toList()) {
            assertTrue(
                refs.contains(f.getFileName().toString()), k + " does not list " + f.getFileName());
          }
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    }
  }

  @Test
  void everyContainerRunsARealIgdCommandWithRealOptions() {
    List<Doc> ws = workloads();
    Set<String> commands = new java.util.TreeSet<>();
    for (Doc d : ws) {
      for (Map<String, Object> c : containers(d)) {
        assertTrue(
            c.get("command") == null,
            d + ": containers use the image's igd entrypoint (no command)");
        List<String> args = strings(c.get("args"), d + " args");
        DeployFiles.checkIgdArgs(args, d.toString());
        commands.add(args.get(0));
        if (!args.get(0).equals("train-local")) {
          assertEquals(
              PREFIX, DeployFiles.optionValue(args, "--topic-prefix"), d + ": --topic-prefix");
        }
        assertEquals(
            "/etc/igd/igd.conf", DeployFiles.optionValue(args, "--config"), d + ": --config");
      }
    }
    assertEquals(
        Set.of("ingest", "train-local", "augment", "corrupt", "train", "evaluate"), commands);
  }

  @Test
  void theArgsCheckCanFail() {
    assertThrowsAssertion(
        () -> DeployFiles.checkIgdArgs(List.of("augmnet", "--topic-prefix", "x"), "t"));
    assertThrowsAssertion(
        () -> DeployFiles.checkIgdArgs(List.of("corrupt", "--until-caughtup"), "t"));
    assertThrowsAssertion(
        () ->
            DeployFiles.checkIgdArgs(
                List.of("augment", "--metrics-port", "9464"), "t")); // --teacher required
    assertThrowsAssertion(
        () -> DeployFiles.checkIgdArgs(List.of("corrupt", "--metrics-port", "metrics"), "t"));
    DeployFiles.checkIgdArgs(List.of("corrupt", "--metrics-port", "9464"), "t");
  }

  static void assertThrowsAssertion(Runnable r) {
    try {
      r.run();
    } catch (AssertionError expected) {
      return;
    }
    fail("the check did not fail");
  }

  @Test
  void configIsMountedWhereConfigPointsAndIsValidHocon(@TempDir Path tmp) throws Exception {
    Doc cm =
        resources().stream()
            .filter(d -> "ConfigMap".equals(d.tree().get("kind")))
            .findFirst()
            .orElseThrow();
    String name = String.valueOf(at(cm.tree(), "metadata.name"));
    String hocon = String.valueOf(map(cm.tree().get("data"), "data").get("igd.conf"));
    Path file = tmp.resolve("igd.conf");
    Files.writeString(file, hocon);
    var config = Settings.load(file, Map.of()); // rejects unknown igd keys
    assertEquals("igd-kafka-kafka-bootstrap:9093", config.getString("igd.kafka.bootstrap-servers"));
    String bootstrapService =
        resources().stream()
            .filter(d -> isBase(d) && "Kafka".equals(d.tree().get("kind")))
            .map(
                d ->
                    at(d.tree(), "metadata.name")
                        + "-kafka-bootstrap:"
                        + map(list(at(d.tree(), "spec.kafka.listeners"), "listeners").get(0), "l")
                            .get("port"))
            .findFirst()
            .orElseThrow();
    assertEquals(
        bootstrapService,
        config.getString("igd.kafka.bootstrap-servers"),
        "bootstrap servers = Strimzi's bootstrap service");
    for (Doc d : workloads().stream().filter(DeployManifestsTest::isBase).toList()) {
      Map<String, Object> c = containers(d).get(0);
      String configArg = DeployFiles.optionValue(strings(c.get("args"), "args"), "--config");
      Path p = Path.of(configArg);
      Map<String, String> volumeOfMount = new HashMap<>();
      list(c.get("volumeMounts"), d + " mounts")
          .forEach(
              m ->
                  volumeOfMount.put(
                      String.valueOf(map(m, "mount").get("mountPath")),
                      String.valueOf(map(m, "mount").get("name"))));
      String volume = volumeOfMount.get(p.getParent().toString());
      assertNotNull(volume, d + ": nothing mounted at " + p.getParent());
      Map<String, Object> v =
          list(at(d.tree(), "spec.template.spec.volumes"), "volumes").stream()
              .map(o -> map(o, "volume"))
              .filter(o -> volume.equals(o.get("name")))
              .findFirst()
              .orElseThrow();
      assertEquals(
          name, at(v, "configMap.name"), d + ": " + p.getParent() + " is not the ConfigMap");
      assertNotNull(
          map(cm.tree().get("data"), "data").get(p.getFileName().toString()),
          "ConfigMap has no key " + p.getFileName());
    }
  }

  @Test
  void aKafkaTopicPerTopicWithTheSettingsOfTheCode() {
    Map<String, Map<String, Object>> byName = new HashMap<>();
    String cluster = null;
    for (Doc d : resources().stream().filter(DeployManifestsTest::isBase).toList()) {
      if ("KafkaTopic".equals(d.tree().get("kind"))) {
        byName.put(String.valueOf(at(d.tree(), "spec.topicName")), d.tree());
      } else if ("Kafka".equals(d.tree().get("kind"))) {
        cluster = String.valueOf(at(d.tree(), "metadata.name"));
      }
    }
    assertNotNull(cluster, "no Kafka resource");
    List<TopicSpec> specs = TopicsSettings.load().specs(new TopicNames(PREFIX));
    assertEquals(
        specs.stream().map(TopicSpec::name).collect(java.util.stream.Collectors.toSet()),
        byName.keySet(),
        "KafkaTopics = the topics of the prefix");
    for (TopicSpec spec : specs) {
      Map<String, Object> t = byName.get(spec.name());
      assertEquals(
          cluster,
          map(at(t, "metadata.labels"), "labels").get("strimzi.io/cluster"),
          spec.name() + " cluster label");
      assertEquals(
          spec.partitions(),
          ((Number) at(t, "spec.partitions")).intValue(),
          spec.name() + " partitions");
      Map<String, Object> config = map(at(t, "spec.config"), spec.name() + " config");
      for (String key : List.of("max.message.bytes", "retention.ms", "cleanup.policy")) {
        DeployFiles.assertSame(spec.config().get(key), config.get(key), spec.name() + " " + key);
      }
    }
    // the brokers accept the largest record batch of any topic
    long largest =
        specs.stream()
            .mapToLong(s -> Long.parseLong(s.config().get("max.message.bytes")))
            .max()
            .orElseThrow();
    Map<String, Object> kafka =
        resources().stream()
            .filter(d -> isBase(d) && "Kafka".equals(d.tree().get("kind")))
            .findFirst()
            .orElseThrow()
            .tree();
    Map<String, Object> brokerConfig = map(at(kafka, "spec.kafka.config"), "kafka config");
    assertTrue(
        ((Number) brokerConfig.get("message.max.bytes")).longValue() >= largest,
        "message.max.bytes");
    assertTrue(
        ((Number) brokerConfig.get("replica.fetch.max.bytes")).longValue() >= largest,
        "replica.fetch.max.bytes");
    // augment/corrupt replicas never exceed the partitions they split
    for (Doc d : workloads()) {
      Object replicas = at(d.tree(), "spec.replicas");
      if (replicas != null
          && Set.of("igd-augment", "igd-corrupt").contains(at(d.tree(), "metadata.name"))) {
        assertTrue(
            ((Number) replicas).intValue() <= specs.get(0).partitions(),
            d + ": replicas above partitions");
      }
    }
  }

  @Test
  void probesAndPortsAreTheMetricsPortTheRoleServes() {
    for (Doc d : workloads().stream().filter(DeployManifestsTest::isBase).toList()) {
      for (Map<String, Object> c : containers(d)) {
        List<String> args = strings(c.get("args"), d + " args");
        String port = DeployFiles.optionValue(args, "--metrics-port");
        if ("Job".equals(d.tree().get("kind"))) {
          continue; // one-off: no probes
        }
        assertNotNull(port, d + ": a long-running role sets --metrics-port");
        Map<String, Object> declared = map(list(c.get("ports"), d + " ports").get(0), "port");
        assertEquals("metrics", declared.get("name"), d.toString());
        DeployFiles.assertSame(
            port, declared.get("containerPort"), d + ": containerPort = --metrics-port");
        // the kubelet probes (and Prometheus scrapes) the pod IP: the role must not bind loopback
        // only
        assertEquals(
            "0.0.0.0", DeployFiles.optionValue(args, "--metrics-host"), d + ": --metrics-host");
        for (String probe : List.of("readinessProbe", "livenessProbe")) {
          Map<String, Object> p = map(c.get(probe), d + " " + probe);
          assertEquals("/metrics", at(p, "httpGet.path"), d + ": " + probe + " path");
          assertEquals(
              "metrics",
              at(p, "httpGet.port"),
              d + ": " + probe + " port is the named metrics port");
        }
      }
    }
  }

  @Test
  void podsRunNonRootReadOnlyWithResources() {
    for (Doc d : workloads().stream().filter(DeployManifestsTest::isBase).toList()) {
      assertEquals(
          Boolean.TRUE,
          at(d.tree(), "spec.template.spec.securityContext.runAsNonRoot"),
          d + " runAsNonRoot");
      for (Map<String, Object> c : containers(d)) {
        assertEquals(
            Boolean.FALSE,
            at(c, "securityContext.allowPrivilegeEscalation"),
            d + " allowPrivilegeEscalation");
        assertEquals(
            Boolean.TRUE,
            at(c, "securityContext.readOnlyRootFilesystem"),
            d + " readOnlyRootFilesystem");
        for (String r : List.of("requests", "limits")) {
          for (String k : List.of("cpu", "memory")) {
            assertNotNull(at(c, "resources." + r + "." + k), d + ": resources." + r + "." + k);
          }
        }
        // the read-only root needs a writable /tmp (JNA unpacks its library there)
        assertTrue(
            list(c.get("volumeMounts"), "mounts").stream()
                .anyMatch(m -> "/tmp".equals(map(m, "m").get("mountPath"))),
            d + ": /tmp is writable");
      }
    }
  }

  @Test
  void trainerKeepsCheckpointsOnAVolumeAndTheGpuOverlayGivesItAGpu() {
    Doc train =
        workloads().stream()
            .filter(d -> isBase(d) && "igd-train".equals(at(d.tree(), "metadata.name")))
            .findFirst()
            .orElseThrow();
    Map<String, Object> c = containers(train).get(0);
    String out = DeployFiles.optionValue(strings(c.get("args"), "args"), "--out");
    String volume =
        list(c.get("volumeMounts"), "mounts").stream()
            .map(m -> map(m, "m"))
            .filter(m -> out.equals(m.get("mountPath")))
            .map(m -> String.valueOf(m.get("name")))
            .findFirst()
            .orElseThrow(() -> new AssertionError("--out " + out + " is not a mounted volume"));
    Object claim =
        list(at(train.tree(), "spec.template.spec.volumes"), "volumes").stream()
            .map(v -> map(v, "v"))
            .filter(v -> volume.equals(v.get("name")))
            .map(v -> at(v, "persistentVolumeClaim.claimName"))
            .findFirst()
            .orElseThrow();
    assertTrue(
        resources().stream()
            .anyMatch(
                d ->
                    "PersistentVolumeClaim".equals(d.tree().get("kind"))
                        && claim.equals(at(d.tree(), "metadata.name"))),
        "PVC " + claim + " exists");
    assertEquals(
        "Recreate",
        at(train.tree(), "spec.strategy.type"),
        "one trainer at a time on its RWO volume");

    Doc gpu =
        workloads().stream()
            .filter(d -> d.file().toString().contains("/overlays/gpu/"))
            .findFirst()
            .orElseThrow();
    Map<String, Object> gc = containers(gpu).get(0);
    DeployFiles.assertSame(
        1, map(at(gc, "resources.limits"), "limits").get("nvidia.com/gpu"), "nvidia.com/gpu limit");
    assertEquals("gpu", DeployFiles.optionValue(strings(gc.get("args"), "args"), "--device"));
    assertFalse(
        list(at(gpu.tree(), "spec.template.spec.tolerations"), "tolerations").isEmpty(),
        "toleration");
    assertFalse(
        map(at(gpu.tree(), "spec.template.spec.nodeSelector"), "nodeSelector").isEmpty(),
        "nodeSelector");
    // the patch keeps every other option of the base trainer
    List<String> base = new ArrayList<>(strings(c.get("args"), "args"));
    base.set(base.indexOf("--device") + 1, "gpu");
    assertEquals(base, strings(gc.get("args"), "gpu args"), "the gpu patch changes only --device");
  }
}
