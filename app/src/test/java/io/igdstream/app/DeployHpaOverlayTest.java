package io.igdstream.app;

import static io.igdstream.app.DeployFiles.at;
import static io.igdstream.app.DeployFiles.list;
import static io.igdstream.app.DeployFiles.map;
import static io.igdstream.app.DeployFiles.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricTarget;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.igdstream.app.DeployFiles.Doc;
import io.igdstream.schemas.TopicNames;
import io.igdstream.streams.corrupt.CorruptSettings;
import io.igdstream.streams.kafka.TopicSpec;
import io.igdstream.streams.kafka.TopicsSettings;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.kafka.exporter.KafkaExporterSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * k8s/overlays/hpa: the KEDA ScaledObjects swapped for HPAs on prometheus-adapter's external
 * metrics.
 */
class DeployHpaOverlayTest {

  static final String PREFIX = DeployManifestsTest.PREFIX;
  static final Path DIR = DeployFiles.root().resolve("k8s/overlays/hpa");

  /**
   * Fields of prometheus-adapter's config, which it reads strictly (pkg/config/config.go,
   * yaml.UnmarshalStrict).
   */
  static final Set<String> ADAPTER_CONFIG = Set.of("rules", "resourceRules", "externalRules");

  static final Set<String> ADAPTER_RULE =
      Set.of("seriesQuery", "seriesFilters", "resources", "name", "metricsQuery");
  static final Set<String> ADAPTER_RESOURCES = Set.of("template", "overrides", "namespaced");
  static final Set<String> ADAPTER_NAME = Set.of("matches", "as");

  /**
   * The one series not exported by the code: the consumer-group lag of Strimzi's Kafka Exporter
   * (labels consumergroup, topic, partition), which the overlay turns on for corrupt's group.
   */
  static final Set<String> KAFKA_EXPORTER = Set.of("kafka_consumergroup_lag");

  static List<Doc> overlay(String kind) {
    return DeployManifestsTest.resources().stream()
        .filter(d -> d.file().startsWith(DIR) && kind.equals(d.tree().get("kind")))
        .toList();
  }

  static Doc kustomization() {
    return DeployManifestsTest.kustomizations().stream()
        .filter(k -> k.file().getParent().equals(DIR))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + DIR + "/kustomization.yaml"));
  }

  static List<HorizontalPodAutoscaler> hpas() {
    return overlay("HorizontalPodAutoscaler").stream().map(DeployHpaOverlayTest::hpa).toList();
  }

  static HorizontalPodAutoscaler hpa(Doc d) {
    return Serialization.unmarshal(d.text(), HorizontalPodAutoscaler.class);
  }

  /** prometheus-adapter's external rules, from its ConfigMap's config.yaml. */
  static List<Map<String, Object>> externalRules() {
    Doc cm =
        overlay("ConfigMap").stream()
            .filter(d -> "prometheus-adapter".equals(at(d.tree(), "metadata.name")))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no prometheus-adapter ConfigMap in " + DIR));
    Object config =
        new Load(LoadSettings.builder().build())
            .loadFromString(String.valueOf(map(cm.tree().get("data"), "data").get("config.yaml")));
    return adapterRules(config, cm.toString());
  }

  /**
   * The externalRules of an adapter config, every key checked against the adapter's own config
   * struct.
   */
  static List<Map<String, Object>> adapterRules(Object config, String where) {
    Map<String, Object> c = map(config, where + " config.yaml");
    assertKeys(ADAPTER_CONFIG, c, where + " config.yaml");
    List<Map<String, Object>> rules = new ArrayList<>();
    for (Object o : list(c.get("externalRules"), where + " externalRules")) {
      Map<String, Object> rule = map(o, where + " rule");
      assertKeys(ADAPTER_RULE, rule, where + " rule");
      assertKeys(
          ADAPTER_RESOURCES,
          map(rule.get("resources"), where + " resources"),
          where + " resources");
      assertKeys(ADAPTER_NAME, map(rule.get("name"), where + " name"), where + " name");
      rules.add(rule);
    }
    return rules;
  }

  static void assertKeys(Set<String> allowed, Map<String, Object> m, String where) {
    Set<String> unknown = new TreeSet<>(m.keySet());
    unknown.removeAll(allowed);
    assertEquals(
        Set.of(),
        unknown,
        where + ": fields prometheus-adapter does not read (it fails to start on them)");
  }

  /**
   * The external metric a rule serves: name.as (set on every rule here, so no regex naming to
   * follow).
   */
  static String externalName(Map<String, Object> rule) {
    Object as = at(rule, "name.as");
    assertNotNull(as, "rule " + rule.get("seriesQuery") + " names its metric with name.as");
    return String.valueOf(as);
  }

  /**
   * A rule's queries as PromQL: its seriesQuery, and its metricsQuery with the adapter's template
   * fields filled in.
   */
  static Map<String, String> promql(Map<String, Object> rule) {
    String series = String.valueOf(rule.get("seriesQuery"));
    String query =
        String.valueOf(rule.get("metricsQuery"))
            .replace("<<.Series>>", series.replaceAll("\\{.*", ""))
            .replaceAll(",?\\s*<<\\.LabelMatchers>>", "")
            .replace("<<.GroupBy>>", "namespace");
    Map<String, String> out = new LinkedHashMap<>();
    out.put("adapter " + externalName(rule) + " seriesQuery", series);
    out.put("adapter " + externalName(rule) + " metricsQuery", query);
    return out;
  }

  @Test
  void theOverlaySwapsEveryScaledObjectForAnHpaOnTheSameDeployment() {
    Set<String> deleted = new TreeSet<>();
    for (Map<String, Object> p : DeployManifestsTest.patches(kustomization())) {
      if ("delete".equals(p.get("$patch"))) {
        deleted.add(DeployManifestsTest.id(p));
      }
    }
    Set<String> scaledObjects =
        DeployMonitoringTest.kind("ScaledObject").stream()
            .map(DeployManifestsTest::id)
            .collect(Collectors.toSet());
    assertEquals(scaledObjects, deleted, "the overlay deletes exactly the base's ScaledObjects");
    Set<String> kedaTargets =
        DeployMonitoringTest.kind("ScaledObject").stream()
            .map(d -> String.valueOf(at(d.tree(), "spec.scaleTargetRef.name")))
            .collect(Collectors.toSet());
    assertEquals(
        kedaTargets,
        hpas().stream()
            .map(h -> h.getSpec().getScaleTargetRef().getName())
            .collect(Collectors.toSet()),
        "an HPA per Deployment KEDA scaled");
    // the overlay's own files: each resource listed exists (checked in DeployManifestsTest), the
    // adapter's rules are not one
    List<String> resources = strings(kustomization().tree().get("resources"), "resources");
    assertTrue(resources.contains("../../base"), resources.toString());
    assertFalse(
        resources.contains("prometheus-adapter.yaml"),
        "the adapter's ConfigMap belongs in the adapter's namespace");
  }

  @Test
  void hpasTargetRealDeploymentsWithAtMostOneReplicaPerPartition() {
    int partitions =
        TopicsSettings.load().specs(new TopicNames(PREFIX)).stream()
            .filter(s -> s.name().equals(new TopicNames(PREFIX).samples()))
            .mapToInt(TopicSpec::partitions)
            .findFirst()
            .orElseThrow();
    List<Doc> docs = overlay("HorizontalPodAutoscaler");
    assertEquals(2, docs.size());
    for (Doc d : docs) {
      HorizontalPodAutoscaler h = hpa(d);
      List<String> unknown = new ArrayList<>();
      DeployManifestsTest.unknownFields(
          h, "HorizontalPodAutoscaler", unknown, new java.util.IdentityHashMap<>());
      assertEquals(List.of(), unknown, d + ": fields the autoscaling/v2 model does not define");
      var ref = h.getSpec().getScaleTargetRef();
      assertEquals("Deployment", ref.getKind(), d.toString());
      assertEquals("apps/v1", ref.getApiVersion(), d.toString());
      DeployMonitoringTest.named("Deployment", ref.getName()); // exists
      Doc keda = DeployMonitoringTest.named("ScaledObject", ref.getName());
      // augment and corrupt both read fmnist.samples: as the ScaledObjects, at most one replica per
      // partition
      assertEquals(
          partitions, h.getSpec().getMaxReplicas(), d + ": maxReplicas = partitions of the topic");
      assertEquals(
          ((Number) at(keda.tree(), "spec.maxReplicaCount")).intValue(),
          h.getSpec().getMaxReplicas(),
          d + ": maxReplicas = KEDA's");
      assertEquals(
          ((Number) at(keda.tree(), "spec.minReplicaCount")).intValue(),
          h.getSpec().getMinReplicas(),
          d + ": minReplicas = KEDA's");
      assertEquals(
          at(keda.tree(), "spec.advanced.horizontalPodAutoscalerConfig.behavior"),
          at(d.tree(), "spec.behavior"),
          d + ": behavior = the one KEDA gives its HPA");
      assertEquals(1, h.getSpec().getMetrics().size());
      assertEquals("External", h.getSpec().getMetrics().get(0).getType());
    }
  }

  @Test
  void eachHpaMetricIsAnAdapterRuleWithTheScaledObjectsRule() {
    Map<String, Map<String, Object>> rules = new LinkedHashMap<>();
    externalRules()
        .forEach(
            r ->
                assertTrue(
                    rules.put(externalName(r), r) == null, "two rules serve " + externalName(r)));
    Set<String> used = new TreeSet<>();
    for (HorizontalPodAutoscaler h : hpas()) {
      String target = h.getSpec().getScaleTargetRef().getName();
      MetricSpec metric = h.getSpec().getMetrics().get(0);
      String name = metric.getExternal().getMetric().getName();
      used.add(name);
      Map<String, Object> rule = rules.get(name);
      assertNotNull(
          rule,
          target + ": external metric " + name + " is none of the adapter's " + rules.keySet());
      assertEquals(
          "namespace",
          at(rule, "resources.overrides.namespace.resource"),
          name + ": the adapter matches the HPA's namespace on the series' namespace label");
      assertTrue(
          String.valueOf(rule.get("metricsQuery")).contains("<<.LabelMatchers>>"),
          name + ": the query takes the namespace matcher");
      MetricTarget t = metric.getExternal().getTarget();
      Map<String, Object> trigger =
          map(
              list(
                      at(
                          DeployMonitoringTest.named("ScaledObject", target).tree(),
                          "spec.triggers"),
                      "triggers")
                  .get(0),
              "trigger");
      Map<String, Object> meta = map(trigger.get("metadata"), "trigger metadata");
      if ("prometheus".equals(trigger.get("type"))) {
        // KEDA's query and rule: metricType Value, threshold -> target Value
        assertEquals(
            meta.get("query"),
            String.valueOf(rule.get("metricsQuery")).replaceAll(",?\\s*<<\\.LabelMatchers>>", ""),
            name + ": the adapter serves KEDA's query");
        assertEquals(trigger.get("metricType"), t.getType(), name + ": target type");
        assertEquals(
            Double.parseDouble(String.valueOf(meta.get("threshold"))),
            t.getValue().getNumericalAmount().doubleValue(),
            name + ": target");
      } else {
        // KEDA's Kafka scaler: the group's total lag, lagThreshold records per replica ->
        // AverageValue
        assertEquals("kafka", trigger.get("type"), target);
        assertEquals("AverageValue", t.getType(), name + ": lag per replica");
        assertEquals(
            Double.parseDouble(String.valueOf(meta.get("lagThreshold"))),
            t.getAverageValue().getNumericalAmount().doubleValue(),
            name + ": averageValue = lagThreshold");
        String query = String.valueOf(rule.get("metricsQuery"));
        assertEquals(
            KAFKA_EXPORTER,
            DeployMonitoringTest.metricNames(
                promql(rule).get("adapter " + name + " metricsQuery")));
        assertTrue(query.startsWith("sum("), name + ": the lag over all partitions");
        assertEquals(
            meta.get("consumerGroup"), label(query, "consumergroup"), name + ": KEDA's group");
        assertEquals(meta.get("topic"), label(query, "topic"), name + ": KEDA's topic");
      }
    }
    assertEquals(rules.keySet(), used, "every adapter rule is used by an HPA");
  }

  static String label(String promql, String label) {
    Matcher m = Pattern.compile("\\b" + label + "\\s*=\\s*\"([^\"]*)\"").matcher(promql);
    return m.find() ? m.group(1) : null;
  }

  @Test
  void everyMetricInTheAdapterRulesIsExportedByTheCodeOrTheOverlaysKafkaExporter() {
    Map<String, String> exprs = new LinkedHashMap<>();
    externalRules().forEach(r -> exprs.putAll(promql(r)));
    Set<String> exported = DeployMonitoringTest.exportedNames();
    Set<String> withExporter = new TreeSet<>(exported);
    withExporter.addAll(KAFKA_EXPORTER);
    assertEquals(
        List.of(),
        DeployMonitoringTest.unknownMetrics(exprs, withExporter),
        "metric names nothing exports");
    String trainer = PREFIX + "." + ConfigFactory.load().getString("igd.trainer.group");
    String corrupt = PREFIX + "." + CorruptSettings.fromConfig(ConfigFactory.load()).group();
    exprs.forEach(
        (where, expr) -> {
          Set<String> names = DeployMonitoringTest.metricNames(expr);
          if (exported.containsAll(names)) {
            // igd_consumer_lag_records is exported for the trainer's group only (augment's LagGate)
            assertEquals(trainer, label(expr, "group"), where);
          } else {
            assertEquals(KAFKA_EXPORTER, names, where);
            assertEquals(corrupt, label(expr, "consumergroup"), where + ": corrupt's group");
            assertEquals(
                new TopicNames(PREFIX).samples(),
                label(expr, "topic"),
                where + ": corrupt's topic");
          }
        });
  }

  @Test
  void theKafkaExporterCoversCorruptsGroupAndIsScraped() {
    String corrupt = PREFIX + "." + CorruptSettings.fromConfig(ConfigFactory.load()).group();
    String samples = new TopicNames(PREFIX).samples();
    Doc patch =
        overlay("Kafka").stream()
            .findFirst()
            .orElseThrow(() -> new AssertionError("no Kafka patch in " + DIR));
    String cluster =
        String.valueOf(
            at(DeployMonitoringTest.named("Kafka", "igd-kafka").tree(), "metadata.name"));
    assertEquals(cluster, at(patch.tree(), "metadata.name"));
    KafkaExporterSpec exporter =
        Serialization.unmarshal(patch.text(), Kafka.class).getSpec().getKafkaExporter();
    assertNotNull(exporter, patch + ": spec.kafkaExporter");
    assertTrue(
        corrupt.matches(exporter.getGroupRegex()),
        "groupRegex " + exporter.getGroupRegex() + " covers " + corrupt);
    assertTrue(
        samples.matches(exporter.getTopicRegex()),
        "topicRegex " + exporter.getTopicRegex() + " covers " + samples);
    // Strimzi's exporter pod: strimzi.io/name = <cluster>-kafka-exporter, metrics on port
    // tcp-prometheus, /metrics
    Doc pm =
        overlay("PodMonitor").stream()
            .findFirst()
            .orElseThrow(() -> new AssertionError("no PodMonitor in " + DIR));
    assertTrue(
        DeployMonitoringTest.selects(
            map(at(pm.tree(), "spec.selector"), "selector"),
            Map.of("strimzi.io/name", cluster + "-kafka-exporter", "strimzi.io/kind", "Kafka")),
        pm + " selects the exporter pod");
    Map<String, Object> endpoint =
        map(list(at(pm.tree(), "spec.podMetricsEndpoints"), "endpoints").get(0), "endpoint");
    assertEquals("tcp-prometheus", endpoint.get("port"));
    assertEquals("/metrics", endpoint.get("path"));
    // found by the same Prometheus as the roles' PodMonitor
    assertEquals(
        at(DeployMonitoringTest.named("PodMonitor", "igd-stream").tree(), "metadata.labels"),
        at(pm.tree(), "metadata.labels"));
  }

  @Test
  void theAdapterChecksCanFail() {
    Object bad =
        new Load(LoadSettings.builder().build())
            .loadFromString(
                """
        externalRules:
          - seriesQuery: 'igd_consumer_lag_records'
            resources: {namespaced: false}
            name: {as: x}
            metricQuery: 'sum(igd_consumer_lag_records)'
        """);
    try {
      adapterRules(bad, "t");
    } catch (AssertionError expected) {
      assertTrue(expected.getMessage().contains("metricQuery"), expected.getMessage());
      return;
    }
    throw new AssertionError("a misspelt adapter key passed");
  }

  @Test
  void theAdapterTemplateIsFilledBeforeTheMetricNameCheck() {
    Map<String, Object> rule =
        Map.of(
            "seriesQuery",
            "igd_dead_letters_total{stage!=\"\"}",
            "name",
            Map.of("as", "x"),
            "metricsQuery",
            "sum(rate(<<.Series>>{<<.LabelMatchers>>}[5m])) by (<<.GroupBy>>)");
    assertEquals(
        Set.of("igd_dead_letters_total"),
        DeployMonitoringTest.metricNames(promql(rule).get("adapter x metricsQuery")));
    assertEquals(
        2,
        DeployMonitoringTest.unknownMetrics(
                promql(
                    Map.of(
                        "seriesQuery",
                        "igd_dead_leters_total",
                        "name",
                        Map.of("as", "x"),
                        "metricsQuery",
                        "sum(<<.Series>>)")),
                DeployMonitoringTest.exportedNames())
            .size(),
        "the misspelt series fails both queries");
  }
}
