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

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.igdstream.app.DeployFiles.Doc;
import io.igdstream.schemas.TopicNames;
import io.igdstream.streams.kafka.TopicSpec;
import io.igdstream.streams.kafka.TopicsSettings;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** k8s/ checked offline against the Kubernetes model and the code (ISSUE 6). */
class DeployManifestsTest {

  static final String PREFIX = "fmnist";
  static final String STRIMZI = "kafka.strimzi.io/v1beta2";
  static final Set<String> BUILT_IN = Set.of("v1", "apps/v1", "batch/v1", "networking.k8s.io/v1");
  /** Spec fields of the KEDA and Prometheus Operator kinds used here, as their CRDs define them (checked as plain YAML). */
  static final Map<String, Map<String, Set<String>>> CRD_SPEC = Map.of(
      "keda.sh/v1alpha1", Map.of("ScaledObject", Set.of("scaleTargetRef", "pollingInterval", "cooldownPeriod", "initialCooldownPeriod",
          "idleReplicaCount", "minReplicaCount", "maxReplicaCount", "fallback", "advanced", "triggers")),
      "monitoring.coreos.com/v1", Map.of(
          "PodMonitor", Set.of("jobLabel", "podTargetLabels", "podMetricsEndpoints", "selector", "namespaceSelector", "sampleLimit",
              "targetLimit", "labelLimit", "labelNameLengthLimit", "labelValueLengthLimit", "attachMetadata", "scrapeClass"),
          "PrometheusRule", Set.of("groups")));
  /** Fields of the Strimzi kinds used here (spec level), as Strimzi's CRDs define them. */
  static final Map<String, Set<String>> STRIMZI_SPEC = Map.of(
      "Kafka", Set.of("kafka", "zookeeper", "entityOperator", "clusterCa", "clientsCa", "cruiseControl", "kafkaExporter", "maintenanceTimeWindows"),
      "KafkaNodePool", Set.of("replicas", "roles", "storage", "resources", "jvmOptions", "template"),
      "KafkaTopic", Set.of("topicName", "partitions", "replicas", "config"));

  static List<Doc> resources() {
    return DeployFiles.k8sDocs().stream().filter(d -> !"Kustomization".equals(d.tree().get("kind"))).toList();
  }

  static List<Doc> workloads() {
    return resources().stream().filter(d -> Set.of("Deployment", "Job").contains(d.tree().get("kind"))).toList();
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
        assertTrue(parsed instanceof HasMetadata && !(parsed instanceof GenericKubernetesResource),
            d + ": " + api + " " + kind + " is not a built-in kind (" + parsed.getClass().getName() + ")");
        assertEquals(kind, ((HasMetadata) parsed).getKind(), d.toString());
        List<String> unknown = new ArrayList<>();
        unknownFields(parsed, kind, unknown, new IdentityHashMap<>());
        assertEquals(List.of(), unknown, d + ": fields the Kubernetes model does not define");
      } else if (api.equals(STRIMZI)) {
        Set<String> allowed = STRIMZI_SPEC.get(kind);
        assertNotNull(allowed, d + ": unexpected Strimzi kind " + kind);
        Set<String> unknown = new java.util.TreeSet<>(map(d.tree().get("spec"), d + " spec").keySet());
        unknown.removeAll(allowed);
        assertEquals(Set.of(), unknown, d + ": fields " + kind + " does not define");
      } else if (CRD_SPEC.containsKey(api)) {
        Set<String> allowed = CRD_SPEC.get(api).get(kind);
        assertNotNull(allowed, d + ": unexpected " + api + " kind " + kind);
        Set<String> unknown = new java.util.TreeSet<>(map(d.tree().get("spec"), d + " spec").keySet());
        unknown.removeAll(allowed);
        assertEquals(Set.of(), unknown, d + ": fields " + kind + " does not define");
      } else {
        fail(d + ": unexpected apiVersion " + api + " (Strimzi resources use " + STRIMZI + ")");
      }
    }
  }

  /** Collects paths of fields that landed in a model object's additionalProperties. */
  static void unknownFields(Object o, String path, List<String> out, Map<Object, Boolean> seen) {
    if (o == null || seen.put(o, true) != null) {
      return;
    }
    if (o instanceof Collection<?> c) {
      int i = 0;
      for (Object e : c) {
        unknownFields(e, path + "[" + i++ + "]", out, seen);
      }
      return;
    }
    if (o instanceof Map<?, ?> m) {
      m.forEach((k, v) -> unknownFields(v, path + "." + k, out, seen));
      return;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method g : o.getClass().getMethods()) {
      if (g.getParameterCount() != 0 || Modifier.isStatic(g.getModifiers()) || !g.getName().startsWith("get")
          || g.getDeclaringClass() == Object.class) {
        continue;
      }
      Object v;
      try {
        v = g.invoke(o);
      } catch (ReflectiveOperationException e) {
        continue;
      }
      if (g.getName().equals("getAdditionalProperties")) {
        if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
          out.add(path + ": " + extra.keySet());
        }
      } else {
        unknownFields(v, path + "." + g.getName().substring(3), out, seen);
      }
    }
  }

  @Test
  void theUnknownFieldCheckCanFail() {
    Object parsed = Serialization.unmarshal("""
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
  void kustomizationsNameFilesThatExist() {
    List<Doc> ks = DeployFiles.k8sDocs().stream().filter(d -> "Kustomization".equals(d.tree().get("kind"))).toList();
    assertEquals(3, ks.size(), "base, overlays/cpu, overlays/gpu");
    for (Doc k : ks) {
      Path dir = k.file().getParent();
      List<String> refs = new ArrayList<>();
      if (k.tree().get("resources") != null) {
        refs.addAll(strings(k.tree().get("resources"), k + " resources"));
      }
      if (k.tree().get("patches") != null) {
        list(k.tree().get("patches"), k + " patches").forEach(p -> refs.add(String.valueOf(map(p, "patch").get("path"))));
      }
      for (String r : refs) {
        assertTrue(Files.exists(dir.resolve(r)), k + " refers to missing " + r);
      }
      if (dir.endsWith("base")) {
        try (var s = Files.list(dir)) {
          for (Path f : s.filter(f -> f.toString().endsWith(".yaml") && !f.endsWith("kustomization.yaml")).toList()) {
            assertTrue(refs.contains(f.getFileName().toString()), k + " does not list " + f.getFileName());
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
        assertTrue(c.get("command") == null, d + ": containers use the image's igd entrypoint (no command)");
        List<String> args = strings(c.get("args"), d + " args");
        DeployFiles.checkIgdArgs(args, d.toString());
        commands.add(args.get(0));
        if (!args.get(0).equals("train-local")) {
          assertEquals(PREFIX, DeployFiles.optionValue(args, "--topic-prefix"), d + ": --topic-prefix");
        }
        assertEquals("/etc/igd/igd.conf", DeployFiles.optionValue(args, "--config"), d + ": --config");
      }
    }
    assertEquals(Set.of("ingest", "train-local", "augment", "corrupt", "train", "evaluate"), commands);
  }

  @Test
  void theArgsCheckCanFail() {
    assertThrowsAssertion(() -> DeployFiles.checkIgdArgs(List.of("augmnet", "--topic-prefix", "x"), "t"));
    assertThrowsAssertion(() -> DeployFiles.checkIgdArgs(List.of("corrupt", "--until-caughtup"), "t"));
    assertThrowsAssertion(() -> DeployFiles.checkIgdArgs(List.of("augment", "--metrics-port", "9464"), "t")); // --teacher required
    assertThrowsAssertion(() -> DeployFiles.checkIgdArgs(List.of("corrupt", "--metrics-port", "metrics"), "t"));
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
    Doc cm = resources().stream().filter(d -> "ConfigMap".equals(d.tree().get("kind"))).findFirst().orElseThrow();
    String name = String.valueOf(at(cm.tree(), "metadata.name"));
    String hocon = String.valueOf(map(cm.tree().get("data"), "data").get("igd.conf"));
    Path file = tmp.resolve("igd.conf");
    Files.writeString(file, hocon);
    var config = Settings.load(file, Map.of()); // rejects unknown igd keys
    assertEquals("igd-kafka-kafka-bootstrap:9092", config.getString("igd.kafka.bootstrap-servers"));
    String bootstrapService = resources().stream().filter(d -> "Kafka".equals(d.tree().get("kind")))
        .map(d -> at(d.tree(), "metadata.name") + "-kafka-bootstrap:" + map(list(at(d.tree(), "spec.kafka.listeners"), "listeners").get(0), "l").get("port"))
        .findFirst().orElseThrow();
    assertEquals(bootstrapService, config.getString("igd.kafka.bootstrap-servers"), "bootstrap servers = Strimzi's bootstrap service");
    for (Doc d : workloads().stream().filter(DeployManifestsTest::isBase).toList()) {
      Map<String, Object> c = containers(d).get(0);
      String configArg = DeployFiles.optionValue(strings(c.get("args"), "args"), "--config");
      Path p = Path.of(configArg);
      Map<String, String> volumeOfMount = new HashMap<>();
      list(c.get("volumeMounts"), d + " mounts").forEach(m -> volumeOfMount.put(
          String.valueOf(map(m, "mount").get("mountPath")), String.valueOf(map(m, "mount").get("name"))));
      String volume = volumeOfMount.get(p.getParent().toString());
      assertNotNull(volume, d + ": nothing mounted at " + p.getParent());
      Map<String, Object> v = list(at(d.tree(), "spec.template.spec.volumes"), "volumes").stream()
          .map(o -> map(o, "volume")).filter(o -> volume.equals(o.get("name"))).findFirst().orElseThrow();
      assertEquals(name, at(v, "configMap.name"), d + ": " + p.getParent() + " is not the ConfigMap");
      assertNotNull(map(cm.tree().get("data"), "data").get(p.getFileName().toString()), "ConfigMap has no key " + p.getFileName());
    }
  }

  @Test
  void aKafkaTopicPerTopicWithTheSettingsOfTheCode() {
    Map<String, Map<String, Object>> byName = new HashMap<>();
    String cluster = null;
    for (Doc d : resources()) {
      if ("KafkaTopic".equals(d.tree().get("kind"))) {
        byName.put(String.valueOf(at(d.tree(), "spec.topicName")), d.tree());
      } else if ("Kafka".equals(d.tree().get("kind"))) {
        cluster = String.valueOf(at(d.tree(), "metadata.name"));
      }
    }
    assertNotNull(cluster, "no Kafka resource");
    List<TopicSpec> specs = TopicsSettings.load().specs(new TopicNames(PREFIX));
    assertEquals(specs.stream().map(TopicSpec::name).collect(java.util.stream.Collectors.toSet()), byName.keySet(),
        "KafkaTopics = the topics of the prefix");
    for (TopicSpec spec : specs) {
      Map<String, Object> t = byName.get(spec.name());
      assertEquals(cluster, map(at(t, "metadata.labels"), "labels").get("strimzi.io/cluster"), spec.name() + " cluster label");
      assertEquals(spec.partitions(), ((Number) at(t, "spec.partitions")).intValue(), spec.name() + " partitions");
      Map<String, Object> config = map(at(t, "spec.config"), spec.name() + " config");
      for (String key : List.of("max.message.bytes", "retention.ms", "cleanup.policy")) {
        DeployFiles.assertSame(spec.config().get(key), config.get(key), spec.name() + " " + key);
      }
    }
    // the brokers accept the largest record batch of any topic
    long largest = specs.stream().mapToLong(s -> Long.parseLong(s.config().get("max.message.bytes"))).max().orElseThrow();
    Map<String, Object> kafka = resources().stream().filter(d -> "Kafka".equals(d.tree().get("kind"))).findFirst().orElseThrow().tree();
    Map<String, Object> brokerConfig = map(at(kafka, "spec.kafka.config"), "kafka config");
    assertTrue(((Number) brokerConfig.get("message.max.bytes")).longValue() >= largest, "message.max.bytes");
    assertTrue(((Number) brokerConfig.get("replica.fetch.max.bytes")).longValue() >= largest, "replica.fetch.max.bytes");
    // augment/corrupt replicas never exceed the partitions they split
    for (Doc d : workloads()) {
      Object replicas = at(d.tree(), "spec.replicas");
      if (replicas != null && Set.of("igd-augment", "igd-corrupt").contains(at(d.tree(), "metadata.name"))) {
        assertTrue(((Number) replicas).intValue() <= specs.get(0).partitions(), d + ": replicas above partitions");
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
        DeployFiles.assertSame(port, declared.get("containerPort"), d + ": containerPort = --metrics-port");
        // the kubelet probes (and Prometheus scrapes) the pod IP: the role must not bind loopback only
        assertEquals("0.0.0.0", DeployFiles.optionValue(args, "--metrics-host"), d + ": --metrics-host");
        for (String probe : List.of("readinessProbe", "livenessProbe")) {
          Map<String, Object> p = map(c.get(probe), d + " " + probe);
          assertEquals("/metrics", at(p, "httpGet.path"), d + ": " + probe + " path");
          assertEquals("metrics", at(p, "httpGet.port"), d + ": " + probe + " port is the named metrics port");
        }
      }
    }
  }

  @Test
  void podsRunNonRootReadOnlyWithResources() {
    for (Doc d : workloads().stream().filter(DeployManifestsTest::isBase).toList()) {
      assertEquals(Boolean.TRUE, at(d.tree(), "spec.template.spec.securityContext.runAsNonRoot"), d + " runAsNonRoot");
      for (Map<String, Object> c : containers(d)) {
        assertEquals(Boolean.FALSE, at(c, "securityContext.allowPrivilegeEscalation"), d + " allowPrivilegeEscalation");
        assertEquals(Boolean.TRUE, at(c, "securityContext.readOnlyRootFilesystem"), d + " readOnlyRootFilesystem");
        for (String r : List.of("requests", "limits")) {
          for (String k : List.of("cpu", "memory")) {
            assertNotNull(at(c, "resources." + r + "." + k), d + ": resources." + r + "." + k);
          }
        }
        // the read-only root needs a writable /tmp (JNA unpacks its library there)
        assertTrue(list(c.get("volumeMounts"), "mounts").stream().anyMatch(m -> "/tmp".equals(map(m, "m").get("mountPath"))),
            d + ": /tmp is writable");
      }
    }
  }

  @Test
  void trainerKeepsCheckpointsOnAVolumeAndTheGpuOverlayGivesItAGpu() {
    Doc train = workloads().stream().filter(d -> isBase(d) && "igd-train".equals(at(d.tree(), "metadata.name"))).findFirst().orElseThrow();
    Map<String, Object> c = containers(train).get(0);
    String out = DeployFiles.optionValue(strings(c.get("args"), "args"), "--out");
    String volume = list(c.get("volumeMounts"), "mounts").stream().map(m -> map(m, "m"))
        .filter(m -> out.equals(m.get("mountPath"))).map(m -> String.valueOf(m.get("name"))).findFirst().orElseThrow(
            () -> new AssertionError("--out " + out + " is not a mounted volume"));
    Object claim = list(at(train.tree(), "spec.template.spec.volumes"), "volumes").stream().map(v -> map(v, "v"))
        .filter(v -> volume.equals(v.get("name"))).map(v -> at(v, "persistentVolumeClaim.claimName")).findFirst().orElseThrow();
    assertTrue(resources().stream().anyMatch(d -> "PersistentVolumeClaim".equals(d.tree().get("kind"))
        && claim.equals(at(d.tree(), "metadata.name"))), "PVC " + claim + " exists");
    assertEquals("Recreate", at(train.tree(), "spec.strategy.type"), "one trainer at a time on its RWO volume");

    Doc gpu = workloads().stream().filter(d -> d.file().toString().contains("/overlays/gpu/")).findFirst().orElseThrow();
    Map<String, Object> gc = containers(gpu).get(0);
    DeployFiles.assertSame(1, map(at(gc, "resources.limits"), "limits").get("nvidia.com/gpu"), "nvidia.com/gpu limit");
    assertEquals("gpu", DeployFiles.optionValue(strings(gc.get("args"), "args"), "--device"));
    assertFalse(list(at(gpu.tree(), "spec.template.spec.tolerations"), "tolerations").isEmpty(), "toleration");
    assertFalse(map(at(gpu.tree(), "spec.template.spec.nodeSelector"), "nodeSelector").isEmpty(), "nodeSelector");
    // the patch keeps every other option of the base trainer
    List<String> base = new ArrayList<>(strings(c.get("args"), "args"));
    base.set(base.indexOf("--device") + 1, "gpu");
    assertEquals(base, strings(gc.get("args"), "gpu args"), "the gpu patch changes only --device");
  }
}
