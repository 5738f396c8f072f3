package io.igdstream.app;

import static io.igdstream.app.DeployFiles.at;
import static io.igdstream.app.DeployFiles.list;
import static io.igdstream.app.DeployFiles.map;
import static io.igdstream.app.DeployFiles.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.igdstream.app.DeployFiles.Doc;
import io.igdstream.schemas.TopicNames;
import io.igdstream.streams.augment.AugmentSettings;
import io.igdstream.streams.corrupt.CorruptSettings;
import io.igdstream.streams.evaluate.EvaluationMetrics;
import io.igdstream.streams.kafka.TopicSpec;
import io.igdstream.streams.kafka.TopicsSettings;
import io.igdstream.streams.metrics.StreamMetrics;
import io.igdstream.trainer.TrainerMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Autoscaling, scraping, alerts, dashboard and network policy of k8s/ checked against the code
 * (ISSUE 6).
 */
class DeployMonitoringTest {

  static final String PREFIX = DeployManifestsTest.PREFIX;

  /**
   * The base's resources of a kind (overlays are checked in DeployHpaOverlayTest and
   * DeployManifestsTest).
   */
  static List<Doc> kind(String kind) {
    return DeployManifestsTest.resources().stream()
        .filter(d -> DeployManifestsTest.isBase(d) && kind.equals(d.tree().get("kind")))
        .toList();
  }

  static Doc named(String kind, String name) {
    return kind(kind).stream()
        .filter(d -> name.equals(at(d.tree(), "metadata.name")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
  }

  /** The series names a role's /metrics serves: the registries the roles build, scraped. */
  static Set<String> exportedNames() {
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry); // as MetricsServer does
    new StreamMetrics(registry);
    new TrainerMetrics(registry);
    new EvaluationMetrics(registry);
    Set<String> names = new TreeSet<>();
    for (MetricSnapshot s : registry.scrape()) {
      String n = s.getMetadata().getPrometheusName();
      if (s instanceof CounterSnapshot) {
        names.add(n + "_total");
      } else if (s instanceof HistogramSnapshot) {
        names.addAll(List.of(n + "_bucket", n + "_sum", n + "_count"));
      } else if (s instanceof SummarySnapshot) {
        names.addAll(List.of(n, n + "_sum", n + "_count"));
      } else if (s instanceof InfoSnapshot) {
        names.add(n + "_info");
      } else {
        names.add(n);
      }
    }
    return names;
  }

  static final Set<String> PROMQL_WORDS =
      Set.of(
          "and",
          "or",
          "unless",
          "bool",
          "offset",
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "inf",
          "nan",
          "atan2");
  static final Pattern IDENT = Pattern.compile("(?<![\\w:.$])[a-zA-Z_:][a-zA-Z0-9_:]*(?![\\w:])");

  /**
   * Metric names a PromQL expression selects (function names, keywords, labels and strings left
   * out).
   */
  static Set<String> metricNames(String expr) {
    String e =
        expr.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"") // strings
            .replaceAll("\\{[^}]*}", "") // label matchers
            .replaceAll("\\[[^]]*]", "") // ranges
            .replaceAll(
                "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)",
                "") // label lists
            .replaceAll("\\$\\{?\\w+}?", ""); // Grafana variables
    Set<String> out = new TreeSet<>();
    Matcher m = IDENT.matcher(e);
    while (m.find()) {
      String id = m.group();
      String rest = e.substring(m.end()).stripLeading();
      if (!PROMQL_WORDS.contains(id) && !rest.startsWith("(")) {
        out.add(id);
      }
    }
    return out;
  }

  /**
   * Every PromQL expression in k8s/: alert rules, the dashboard's targets, KEDA prometheus
   * triggers.
   */
  static Map<String, String> expressions() {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    for (Doc d : kind("PrometheusRule")) {
      for (Object g : list(at(d.tree(), "spec.groups"), d + " groups")) {
        for (Object r : list(map(g, "group").get("rules"), d + " rules")) {
          Map<String, Object> rule = map(r, "rule");
          out.put(
              d + " " + rule.getOrDefault("alert", rule.get("record")),
              String.valueOf(rule.get("expr")));
        }
      }
    }
    for (JsonNode p : dashboard().get("panels")) {
      int i = 0;
      for (JsonNode t : p.get("targets")) {
        out.put(
            "dashboard panel '" + p.get("title").asText() + "' target " + i++,
            t.get("expr").asText());
      }
    }
    for (Doc d : kind("ScaledObject")) {
      for (Object t : list(at(d.tree(), "spec.triggers"), d + " triggers")) {
        if ("prometheus".equals(map(t, "trigger").get("type"))) {
          out.put(
              d + " prometheus trigger", String.valueOf(at(map(t, "trigger"), "metadata.query")));
        }
      }
    }
    return out;
  }

  static JsonNode dashboard() {
    Doc cm =
        kind("ConfigMap").stream()
            .filter(d -> at(d.tree(), "metadata.labels.grafana_dashboard") != null)
            .findFirst()
            .orElseThrow(() -> new AssertionError("no ConfigMap labelled grafana_dashboard"));
    assertEquals(
        "1",
        String.valueOf(at(cm.tree(), "metadata.labels.grafana_dashboard")),
        "the Grafana sidecar's label value");
    Map<String, Object> data = map(cm.tree().get("data"), cm + " data");
    assertEquals(1, data.size(), cm + ": one dashboard");
    String key = data.keySet().iterator().next();
    assertTrue(key.endsWith(".json"), cm + ": the sidecar provisions *.json keys, not " + key);
    try {
      return new ObjectMapper().readTree(String.valueOf(data.get(key)));
    } catch (Exception e) {
      throw new AssertionError(cm + ": " + key + " is not JSON: " + e.getMessage(), e);
    }
  }

  static List<String> unknownMetrics(Map<String, String> exprs, Set<String> exported) {
    List<String> unknown = new ArrayList<>();
    exprs.forEach(
        (where, expr) -> {
          Set<String> used = metricNames(expr);
          if (used.isEmpty()) {
            unknown.add(where + ": selects no metric: " + expr);
          }
          used.stream()
              .filter(n -> !exported.contains(n))
              .forEach(n -> unknown.add(where + ": " + n));
        });
    return unknown;
  }

  @Test
  void everyMetricInTheRulesTheDashboardAndTheScalersIsExportedByTheCode() {
    Set<String> exported = exportedNames();
    // the suffix rules held: a sanity check on the scrape itself
    assertTrue(
        exported.containsAll(
            Set.of(
                "igd_dead_letters_total",
                "igd_trainer_steps_total",
                "igd_eval_reports_total",
                "igd_attack_seconds_bucket",
                "igd_trainer_staleness_versions_bucket",
                "jvm_memory_used_bytes")),
        exported.toString());
    Map<String, String> exprs = expressions();
    assertTrue(exprs.size() >= 20, "rules + panels + scaler: " + exprs.keySet());
    assertEquals(
        List.of(), unknownMetrics(exprs, exported), "metric names the application does not export");
  }

  @Test
  void theMetricNameCheckCanFail() {
    assertEquals(
        Set.of("igd_trainer_steps_total", "igd_consumer_lag_records"),
        metricNames(
            "sum(rate(igd_trainer_steps_total[10m])) == 0 and on() max(igd_consumer_lag_records{group=\"fmnist.trainer\"}) > 0"));
    assertEquals(
        Set.of("igd_trainer_staleness_versions_bucket"),
        metricNames(
            "histogram_quantile(0.95, sum by (le) (rate(igd_trainer_staleness_versions_bucket[$__rate_interval]))) > 8"));
    Set<String> exported = exportedNames();
    // misspelled, or without the counter's _total: both caught
    assertEquals(
        1, unknownMetrics(Map.of("t", "increase(igd_dead_leters_total[5m]) > 0"), exported).size());
    assertEquals(1, unknownMetrics(Map.of("t", "rate(igd_trainer_steps[10m])"), exported).size());
    assertEquals(
        0,
        unknownMetrics(Map.of("t", "increase(igd_dead_letters_total[5m]) > 0"), exported).size());
  }

  @Test
  void theDashboardParsesAndEveryPanelQueriesSomething() {
    JsonNode dash = dashboard();
    assertTrue(dash.get("panels").size() >= 11, "panels");
    Set<String> ids = new TreeSet<>();
    for (JsonNode p : dash.get("panels")) {
      assertTrue(ids.add(p.get("id").asText()), "duplicate panel id " + p.get("id"));
      JsonNode targets = p.get("targets");
      assertTrue(
          targets != null && targets.size() > 0, "panel '" + p.get("title") + "' has no target");
      for (JsonNode t : targets) {
        assertFalse(
            t.path("expr").asText().isBlank(), "panel '" + p.get("title") + "' has an empty expr");
      }
    }
    // the issue's panels: each of these series is on the dashboard
    String all = String.join("\n", expressions().values());
    for (String m :
        List.of(
            "igd_records_produced_total",
            "igd_consumer_lag_records",
            "igd_trainer_staleness_versions_bucket",
            "igd_trainer_loss",
            "igd_trainer_snapshot_version",
            "igd_eval_clean_accuracy_ratio",
            "igd_eval_pgd20_accuracy_ratio",
            "igd_eval_gini_pixel_ratio",
            "igd_eval_ina_add_error_ratio",
            "igd_eval_corruption_error_ratio",
            "igd_dead_letters_total",
            "jvm_memory_used_bytes")) {
      assertTrue(all.contains(m), "no panel shows " + m);
    }
  }

  @Test
  void theIssuesAlertsExist() {
    Set<String> alerts = new TreeSet<>();
    kind("PrometheusRule")
        .forEach(
            d ->
                list(at(d.tree(), "spec.groups"), "groups")
                    .forEach(
                        g ->
                            list(map(g, "g").get("rules"), "rules")
                                .forEach(
                                    r -> alerts.add(String.valueOf(map(r, "r").get("alert"))))));
    assertEquals(
        Set.of(
            "IgdTrainerStalled",
            "IgdStalenessAboveBound",
            "IgdDeadLettersArriving",
            "IgdEvaluatorBehind",
            "IgdRobustAccuracyDropped"),
        alerts);
  }

  @Test
  void scaledObjectsTargetRealDeploymentsWithAtMostOneReplicaPerPartition() {
    Map<String, Integer> partitions = new java.util.HashMap<>();
    for (TopicSpec s : TopicsSettings.load().specs(new TopicNames(PREFIX))) {
      partitions.put(s.name(), s.partitions());
    }
    TopicNames topics = new TopicNames(PREFIX);
    List<Doc> scaled = kind("ScaledObject");
    assertEquals(
        Set.of("igd-augment", "igd-corrupt"),
        new TreeSet<>(
            scaled.stream()
                .map(d -> String.valueOf(at(d.tree(), "spec.scaleTargetRef.name")))
                .toList()));
    for (Doc d : scaled) {
      String target = String.valueOf(at(d.tree(), "spec.scaleTargetRef.name"));
      named("Deployment", target); // exists
      int max = ((Number) at(d.tree(), "spec.maxReplicaCount")).intValue();
      // augment and corrupt both read fmnist.samples: a group splits it over at most its partitions
      assertEquals(
          partitions.get(topics.samples()),
          max,
          d + ": maxReplicaCount = partitions of " + topics.samples());
      assertTrue(
          ((Number) at(d.tree(), "spec.minReplicaCount")).intValue() >= 1, d + ": minReplicaCount");
      for (Object t : list(at(d.tree(), "spec.triggers"), d + " triggers")) {
        Map<String, Object> meta = map(map(t, "trigger").get("metadata"), d + " trigger metadata");
        if ("kafka".equals(map(t, "trigger").get("type"))) {
          String topic = String.valueOf(meta.get("topic"));
          assertNotNull(
              partitions.get(topic), d + ": topic " + topic + " is not one of the code's");
          assertEquals(
              partitions.get(topic), max, d + ": maxReplicaCount = partitions of " + topic);
          assertEquals(bootstrap(), meta.get("bootstrapServers"), d + ": bootstrapServers");
          Integer.parseInt(String.valueOf(meta.get("lagThreshold")));
        }
      }
    }
  }

  static String bootstrap() {
    return ConfigFactory.parseString(
            String.valueOf(
                map(named("ConfigMap", "igd-config").tree().get("data"), "data").get("igd.conf")))
        .getString("igd.kafka.bootstrap-servers");
  }

  @Test
  void consumerGroupsFollowTheCodesConvention() {
    Config config = ConfigFactory.load();
    String corrupt = PREFIX + "." + CorruptSettings.fromConfig(config).group();
    String trainer = PREFIX + "." + config.getString("igd.trainer.group");
    String augmentEpoch0 = AugmentSettings.fromConfig(config).epochGroup(PREFIX, 0);
    assertEquals("fmnist.corrupt", corrupt);
    assertEquals("fmnist.trainer", trainer);
    assertEquals("fmnist.augment.epoch-0", augmentEpoch0);
    String augmentGroups = augmentEpoch0.substring(0, augmentEpoch0.length() - 1);
    Map<String, String> kafkaGroups = new java.util.HashMap<>();
    for (Doc d : kind("ScaledObject")) {
      for (Object t : list(at(d.tree(), "spec.triggers"), "triggers")) {
        if ("kafka".equals(map(t, "t").get("type"))) {
          kafkaGroups.put(
              String.valueOf(at(d.tree(), "spec.scaleTargetRef.name")),
              String.valueOf(at(map(t, "t"), "metadata.consumerGroup")));
        }
      }
    }
    assertEquals(
        Map.of("igd-corrupt", corrupt),
        kafkaGroups,
        "corrupt scales on its own fixed group; augment's group changes per epoch ("
            + augmentGroups
            + "E), so no Kafka trigger may name it");
    // every group="..." matcher in PromQL names a group the code uses (the lag gauge carries the
    // trainer's)
    Pattern group = Pattern.compile("group\\s*=~?\\s*\"([^\"]*)\"");
    expressions()
        .forEach(
            (where, expr) -> {
              Matcher m = group.matcher(expr);
              while (m.find()) {
                assertEquals(
                    trainer,
                    m.group(1),
                    where + ": igd_consumer_lag_records is exported for the trainer's group");
              }
            });
  }

  @Test
  void podMonitorScrapesEveryLongRunningRoleOnItsMetricsPort() {
    Doc pm = named("PodMonitor", "igd-stream");
    Map<String, Object> selector = map(at(pm.tree(), "spec.selector"), pm + " selector");
    List<Object> endpoints = list(at(pm.tree(), "spec.podMetricsEndpoints"), pm + " endpoints");
    assertEquals(1, endpoints.size());
    assertEquals(
        "metrics", map(endpoints.get(0), "e").get("port"), pm + ": the containers' named port");
    assertEquals("/metrics", map(endpoints.get(0), "e").get("path"), pm + ": path");
    for (Doc d :
        DeployManifestsTest.workloads().stream().filter(DeployManifestsTest::isBase).toList()) {
      Map<String, Object> labels =
          map(at(d.tree(), "spec.template.metadata.labels"), d + " pod labels");
      boolean serves =
          DeployManifestsTest.containers(d).stream()
              .anyMatch(
                  c ->
                      DeployFiles.optionValue(strings(c.get("args"), "args"), "--metrics-port")
                          != null);
      if ("Deployment".equals(d.tree().get("kind"))) {
        assertTrue(serves, d + " serves metrics");
        assertTrue(selects(selector, labels), pm + " does not select " + d);
      }
    }
  }

  @Test
  void onlyPrometheusReachesTheMetricsPortAndOnlyTheRolesReachKafka() {
    Doc np = named("NetworkPolicy", "igd-metrics-from-prometheus");
    Map<String, Object> selector = map(at(np.tree(), "spec.podSelector"), np + " podSelector");
    List<Object> ingress = list(at(np.tree(), "spec.ingress"), np + " ingress");
    assertEquals(1, ingress.size(), np + ": one rule");
    List<Object> ports = list(map(ingress.get(0), "rule").get("ports"), np + " ports");
    assertEquals(
        List.of("metrics"),
        ports.stream().map(p -> String.valueOf(map(p, "p").get("port"))).toList());
    List<Object> from = list(map(ingress.get(0), "rule").get("from"), np + " from");
    assertEquals(1, from.size());
    assertEquals(
        "prometheus",
        map(at(map(from.get(0), "from"), "podSelector.matchLabels"), "matchLabels")
            .get("app.kubernetes.io/name"));

    Map<String, Object> listener =
        map(
            list(at(named("Kafka", "igd-kafka").tree(), "spec.kafka.listeners"), "listeners")
                .get(0),
            "listener");
    List<Object> peers =
        list(
            listener.get("networkPolicyPeers"),
            "networkPolicyPeers (Strimzi's own policy is open otherwise)");
    for (Doc d :
        DeployManifestsTest.workloads().stream().filter(DeployManifestsTest::isBase).toList()) {
      Map<String, Object> labels =
          map(at(d.tree(), "spec.template.metadata.labels"), d + " pod labels");
      boolean serves =
          DeployManifestsTest.containers(d).stream()
              .anyMatch(
                  c ->
                      DeployFiles.optionValue(strings(c.get("args"), "args"), "--metrics-port")
                          != null);
      if (serves) {
        assertTrue(selects(selector, labels), np + " does not cover " + d);
      }
      boolean usesKafka =
          DeployManifestsTest.containers(d).stream()
              .anyMatch(c -> !"train-local".equals(strings(c.get("args"), "args").get(0)));
      boolean peer =
          peers.stream()
              .map(p -> map(p, "peer"))
              .anyMatch(
                  p ->
                      p.get("namespaceSelector") == null
                          && selects(map(p.get("podSelector"), "podSelector"), labels));
      assertEquals(usesKafka, peer, d + ": reaches Kafka iff it is a Kafka client");
    }
  }

  /** A Kubernetes label selector (matchLabels, matchExpressions In/NotIn/Exists) against labels. */
  static boolean selects(Map<String, Object> selector, Map<String, Object> labels) {
    Object ml = selector.get("matchLabels");
    if (ml != null
        && !map(ml, "matchLabels").entrySet().stream()
            .allMatch(
                e -> String.valueOf(e.getValue()).equals(String.valueOf(labels.get(e.getKey()))))) {
      return false;
    }
    Object me = selector.get("matchExpressions");
    if (me != null) {
      for (Object o : list(me, "matchExpressions")) {
        Map<String, Object> e = map(o, "expression");
        Object v = labels.get(String.valueOf(e.get("key")));
        List<String> values =
            e.get("values") == null ? List.of() : strings(e.get("values"), "values");
        boolean ok =
            switch (String.valueOf(e.get("operator"))) {
              case "In" -> v != null && values.contains(String.valueOf(v));
              case "NotIn" -> v == null || !values.contains(String.valueOf(v));
              case "Exists" -> v != null;
              case "DoesNotExist" -> v == null;
              default -> throw new AssertionError("operator " + e.get("operator"));
            };
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }

  @Test
  void theSelectorCheckCanFail() {
    Map<String, Object> sel =
        map(
            new org.snakeyaml.engine.v2.api.Load(
                    org.snakeyaml.engine.v2.api.LoadSettings.builder().build())
                .loadFromString(
                    "matchExpressions: [{key: c, operator: In, values: [augment, corrupt]}]"),
            "sel");
    assertTrue(selects(sel, Map.of("c", "corrupt")));
    assertFalse(selects(sel, Map.of("c", "train")));
    assertFalse(selects(sel, Map.of()));
  }
}
