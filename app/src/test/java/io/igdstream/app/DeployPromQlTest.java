package io.igdstream.app;

import static io.igdstream.app.DeployFiles.at;
import static io.igdstream.app.DeployFiles.list;
import static io.igdstream.app.DeployFiles.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.igdstream.app.DeployFiles.Doc;
import io.igdstream.core.eval.ModelResult;
import io.igdstream.core.train.StepTerms;
import io.igdstream.schemas.ReasonCode;
import io.igdstream.streams.evaluate.EvaluationMetrics;
import io.igdstream.streams.metrics.StreamMetrics;
import io.igdstream.trainer.TrainerMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBucket;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Label;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/**
 * The PromQL of k8s/ parsed and run by Prometheus's own promtool (Debian's {@code prometheus}
 * package, 2.42; bin/test installs it as root): the PrometheusRule's groups pass {@code promtool
 * check rules}; every other expression (dashboard targets with Grafana's variables filled in,
 * KEDA's prometheus trigger, prometheus-adapter's queries with its templates filled in) passes it
 * wrapped as a recording rule; and each alert fires, or stays quiet, on the synthetic series of
 * promql/alerts-test.yaml ({@code promtool test rules}). Skipped when promtool is not installed.
 */
class DeployPromQlTest {

  static final String ALERT_TESTS = "promql/alerts-test.yaml";
  static final String ALERT_RULES = "alerts.rules.yaml";

  /** The namespace prometheus-adapter puts in {@code <<.LabelMatchers>>} (the HPA's). */
  static final String NAMESPACE = "igd";

  /** Grafana's global variables, with values a 6-hour dashboard at a 30 s scrape interval gets. */
  static final Map<String, String> GRAFANA_GLOBALS =
      Map.of(
          "__rate_interval",
          "2m",
          "__interval",
          "30s",
          "__interval_ms",
          "30000",
          "__range",
          "6h",
          "__range_s",
          "21600",
          "__range_ms",
          "21600000");

  /** $var, ${var}, ${var:format}, [[var]], [[var:format]]. */
  static final Pattern GRAFANA_VARIABLE =
      Pattern.compile("\\$\\{(\\w+)(?::[^}]*)?}|\\$(\\w+)|\\[\\[(\\w+)(?::[^\\]]*)?]]");

  /**
   * Labels a PodMonitor's scrape adds to every series (input series may carry them; the code does
   * not).
   */
  static final Set<String> TARGET_LABELS =
      Set.of("namespace", "pod", "container", "job", "instance", "endpoint");

  @TempDir Path dir;

  // ---- promtool ----

  static Optional<Path> promtool() {
    String env = System.getenv("PROMTOOL");
    if (env != null && !env.isBlank()) {
      return Optional.of(Path.of(env)).filter(Files::isExecutable);
    }
    return Stream.of(
            System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator))
        .map(p -> Path.of(p, "promtool"))
        .filter(Files::isExecutable)
        .findFirst();
  }

  static Path assumePromtool() {
    Optional<Path> p = promtool();
    assumeTrue(
        p.isPresent(),
        "promtool is not installed (Debian: apt-get install prometheus; bin/test does so as root): "
            + "the PromQL of k8s/ is not parsed or unit-tested");
    return p.get();
  }

  record Run(int exit, String output) {}

  static Run promtool(Path dir, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(assumePromtool().toString());
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", cmd) + " took more than 60 s");
      }
      return new Run(p.exitValue(), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static Path write(Path file, Object yaml) {
    try {
      Files.writeString(
          file,
          new Dump(DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).build())
              .dumpToString(yaml));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- the rules: the PrometheusRule as a plain rules file ----

  /** The groups of the base's PrometheusRules, as Prometheus's own rules file takes them. */
  static Map<String, Object> alertRules() {
    List<Object> groups = new ArrayList<>();
    for (Doc d : DeployMonitoringTest.kind("PrometheusRule")) {
      groups.addAll(list(at(d.tree(), "spec.groups"), d + " spec.groups"));
    }
    assertTrue(!groups.isEmpty(), "no PrometheusRule groups in k8s/base");
    return Map.of("groups", groups);
  }

  static Set<String> alertNames(Map<String, Object> rules) {
    Set<String> names = new TreeSet<>();
    for (Object g : list(rules.get("groups"), "groups")) {
      for (Object r : list(map(g, "group").get("rules"), "rules")) {
        Object alert = map(r, "rule").get("alert");
        if (alert != null) {
          names.add(String.valueOf(alert));
        }
      }
    }
    return names;
  }

  // ---- every other expression, as recording rules ----

  /**
   * A PromQL expression from k8s/, where it is (for messages), and the recording rule that carries
   * it.
   */
  record Query(String record, String where, String expr) {}

  static List<Query> queries() {
    List<Query> out = new ArrayList<>();
    JsonNode dash = DeployMonitoringTest.dashboard();
    Map<String, String> vars = templateValues(dash);
    for (JsonNode p : dash.get("panels")) {
      for (JsonNode t : p.get("targets")) {
        String where =
            "k8s/base/dashboard.yaml panel "
                + p.get("id").asText()
                + " '"
                + p.get("title").asText()
                + "' target "
                + t.get("refId").asText();
        out.add(
            new Query(
                "dashboard:panel_" + p.get("id").asText() + ":" + t.get("refId").asText(),
                where,
                grafana(t.get("expr").asText(), vars, where)));
      }
    }
    for (Doc d : DeployMonitoringTest.kind("ScaledObject")) {
      int i = 0;
      for (Object o : list(at(d.tree(), "spec.triggers"), d + " triggers")) {
        Map<String, Object> trigger = map(o, d + " trigger");
        if ("prometheus".equals(trigger.get("type"))) {
          String name = String.valueOf(at(d.tree(), "metadata.name"));
          out.add(
              new Query(
                  "keda:" + name.replace('-', '_') + ":trigger_" + i,
                  d + " (ScaledObject " + name + ") trigger " + i + " query",
                  String.valueOf(at(trigger, "metadata.query"))));
        }
        i++;
      }
    }
    for (Map<String, Object> rule : DeployHpaOverlayTest.externalRules()) {
      String name = DeployHpaOverlayTest.externalName(rule);
      String where = "k8s/overlays/hpa/prometheus-adapter.yaml externalRule " + name;
      String series = String.valueOf(rule.get("seriesQuery"));
      out.add(new Query("adapter:" + name + ":series_query", where + " seriesQuery", series));
      out.add(
          new Query(
              "adapter:" + name + ":metrics_query",
              where + " metricsQuery",
              adapter(String.valueOf(rule.get("metricsQuery")), series)));
    }
    return out;
  }

  /**
   * A value for each of the dashboard's template variables: its current value, else its first
   * option.
   */
  static Map<String, String> templateValues(JsonNode dashboard) {
    Map<String, String> vars = new HashMap<>(GRAFANA_GLOBALS);
    for (JsonNode v : dashboard.path("templating").path("list")) {
      JsonNode current = v.path("current").path("value");
      String value;
      if (current.isArray() && current.size() > 0) {
        value = current.get(0).asText();
      } else if (current.isTextual() && !current.asText().isEmpty()) {
        value = current.asText();
      } else if (v.path("options").size() > 0) {
        value = v.path("options").get(0).path("value").asText();
      } else if (Set.of("custom", "interval", "constant", "textbox")
          .contains(v.path("type").asText())) {
        value = v.path("query").asText().split(",")[0].trim();
      } else if ("datasource".equals(v.path("type").asText())) {
        value = "prometheus";
      } else {
        value = "igd"; // a query variable with nothing stored: any label value parses
      }
      vars.put(v.get("name").asText(), value);
    }
    return vars;
  }

  /**
   * An expression with Grafana's variables replaced; a variable nothing defines fails with where it
   * is.
   */
  static String grafana(String expr, Map<String, String> vars, String where) {
    Matcher m = GRAFANA_VARIABLE.matcher(expr);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
      String value = vars.get(name);
      if (value == null) {
        throw new AssertionError(
            where
                + ": $"
                + name
                + " is neither a Grafana variable nor one of the dashboard's templating: "
                + expr);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    return m.appendTail(out).toString();
  }

  /**
   * A prometheus-adapter query template filled in as the adapter does for an HPA in namespace
   * {@link #NAMESPACE}.
   */
  static String adapter(String template, String seriesQuery) {
    return template
        .replace("<<.Series>>", seriesQuery.replaceAll("\\{.*", "").trim())
        .replace("<<.LabelMatchers>>", "namespace=\"" + NAMESPACE + "\"")
        .replace("<<.GroupBy>>", "namespace");
  }

  /** The queries as one rules file of recording rules, one group per kind of source. */
  static Map<String, Object> recordingRules(List<Query> queries) {
    Map<String, List<Object>> groups = new LinkedHashMap<>();
    for (Query q : queries) {
      Map<String, Object> rule = new LinkedHashMap<>();
      rule.put("record", q.record());
      rule.put("expr", q.expr());
      groups
          .computeIfAbsent(q.record().substring(0, q.record().indexOf(':')), k -> new ArrayList<>())
          .add(rule);
    }
    List<Object> out = new ArrayList<>();
    groups.forEach((name, rules) -> out.add(Map.of("name", name, "rules", rules)));
    return Map.of("groups", out);
  }

  /**
   * promtool check rules on the queries; null when they all pass, else promtool's answer with each
   * failing rule's source.
   */
  static String checkQueries(Path dir, List<Query> queries) {
    write(dir.resolve("queries.rules.yaml"), recordingRules(queries));
    Run run = promtool(dir, "check", "rules", "--lint=all", "--lint-fatal", "queries.rules.yaml");
    if (run.exit() == 0) {
      return null;
    }
    StringBuilder msg = new StringBuilder("promtool check rules failed:\n").append(run.output());
    for (Query q : queries) {
      if (run.output().contains("\"" + q.record() + "\"")) {
        msg.append("\n")
            .append(q.record())
            .append(" is ")
            .append(q.where())
            .append(": ")
            .append(q.expr());
      }
    }
    return msg.toString();
  }

  // ---- the tests ----

  @Test
  void thePrometheusRulePassesPromtoolCheckRules() {
    write(dir.resolve(ALERT_RULES), alertRules());
    Run run = promtool(dir, "check", "rules", "--lint=all", "--lint-fatal", ALERT_RULES);
    assertEquals(0, run.exit(), "k8s/base/alerts.yaml spec.groups:\n" + run.output());
    assertTrue(
        run.output().contains("SUCCESS: " + alertNames(alertRules()).size() + " rules found"),
        run.output());
  }

  @Test
  void everyDashboardScalerAndAdapterQueryParses() {
    List<Query> queries = queries();
    // every panel target, KEDA's one prometheus trigger, two adapter rules x (seriesQuery,
    // metricsQuery)
    int targets = 0;
    for (JsonNode p : DeployMonitoringTest.dashboard().get("panels")) {
      targets += p.get("targets").size();
    }
    assertEquals(targets + 1 + 4, queries.size(), queries.toString());
    for (Query q : queries) {
      assertTrue(
          !q.expr().contains("$") && !q.expr().contains("<<"),
          q.where() + ": a template is left: " + q.expr());
    }
    String failure = checkQueries(dir, queries);
    if (failure != null) {
      fail(failure);
    }
  }

  @Test
  void aBrokenQueryFailsTheCheckNamingItsPanel() {
    List<Query> queries = new ArrayList<>(queries());
    int i = 0;
    while (!queries.get(i).expr().contains(")")) {
      i++;
    }
    Query good = queries.get(i);
    queries.set(i, new Query(good.record(), good.where(), good.expr().replaceFirst("\\)", "")));
    String failure = checkQueries(dir, queries);
    assertNotEquals(null, failure, "an unclosed parenthesis passed promtool");
    assertTrue(failure.contains(good.where()) && failure.contains("parse error"), failure);
    // the adapter's template filled in: a stray comma before the namespace matcher is a parse error
    // too
    Query adapter =
        new Query(
            "adapter:x:metrics_query",
            "adapter x",
            adapter("sum(igd_consumer_lag_records{,<<.LabelMatchers>>})", "x"));
    assertNotEquals(null, checkQueries(dir, List.of(adapter)));
  }

  @Test
  void grafanaAndAdapterTemplatesAreFilledIn() {
    Map<String, String> vars = new HashMap<>(GRAFANA_GLOBALS);
    vars.put("model", "igd-student");
    assertEquals(
        "rate(igd_eval_reports_total{model_id=~\"igd-student\"}[2m:30s])",
        grafana(
            "rate(igd_eval_reports_total{model_id=~\"${model:regex}\"}[$__rate_interval:[[__interval]]])",
            vars,
            "t"));
    AssertionError e =
        assertThrows(AssertionError.class, () -> grafana("rate(x[$window])", vars, "panel 9"));
    assertTrue(
        e.getMessage().contains("panel 9") && e.getMessage().contains("$window"), e.getMessage());
    assertEquals(
        "sum(rate(igd_dead_letters_total{stage=\"augment\",namespace=\"igd\"}[5m])) by (namespace)",
        adapter(
            "sum(rate(<<.Series>>{stage=\"augment\",<<.LabelMatchers>>}[5m])) by (<<.GroupBy>>)",
            "igd_dead_letters_total{stage!=\"\"}"));
  }

  @Test
  void everyAlertFiresOnItsSeriesAndStaysQuietOnTheOthers() {
    write(dir.resolve(ALERT_RULES), alertRules());
    copyAlertTests(dir);
    Run run = promtool(dir, "test", "rules", "alerts-test.yaml");
    assertEquals(
        0,
        run.exit(),
        "promtool test rules " + ALERT_TESTS + " on k8s/base/alerts.yaml:\n" + run.output());
  }

  @Test
  void theAlertTestsCatchTheDeadLetterAlertThatMissesANewSeries() {
    // the rule as first written: increase() alone, blind to a (stage, reason) series born at 1
    Map<String, Object> rules = alertRules();
    List<Object> groups = new ArrayList<>();
    for (Object g : list(rules.get("groups"), "groups")) {
      List<Object> rs = new ArrayList<>();
      for (Object r : list(map(g, "group").get("rules"), "rules")) {
        Map<String, Object> rule = new LinkedHashMap<>(map(r, "rule"));
        if ("IgdDeadLettersArriving".equals(rule.get("alert"))) {
          rule.put("expr", "sum by (stage, reason) (increase(igd_dead_letters_total[5m])) > 0");
        }
        rs.add(rule);
      }
      Map<String, Object> group = new LinkedHashMap<>(map(g, "group"));
      group.put("rules", rs);
      groups.add(group);
    }
    write(dir.resolve(ALERT_RULES), Map.of("groups", groups));
    copyAlertTests(dir);
    Run run = promtool(dir, "test", "rules", "alerts-test.yaml");
    assertEquals(1, run.exit(), run.output());
    assertTrue(
        run.output().contains("name: first dead letter of a stage and reason"), run.output());
    assertTrue(
        !run.output().contains("name: more dead letters on a counter already exported"),
        run.output());
  }

  static String alertTestsText() {
    try (InputStream in =
        DeployPromQlTest.class.getClassLoader().getResourceAsStream(ALERT_TESTS)) {
      assertTrue(in != null, ALERT_TESTS + " is not on the test classpath");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void copyAlertTests(Path dir) {
    try {
      Files.writeString(dir.resolve("alerts-test.yaml"), alertTestsText());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void everyAlertHasAFiringAndAQuietCaseOnSeriesTheCodeExports() {
    Map<String, Object> tests =
        map(new Load(LoadSettings.builder().build()).loadFromString(alertTestsText()), ALERT_TESTS);
    assertEquals(
        List.of(ALERT_RULES),
        tests.get("rule_files"),
        ALERT_TESTS + ": the rules DeployPromQlTest writes");
    Map<String, Set<Boolean>> cases = new TreeMap<>(); // alert -> {fires, quiet}
    Map<String, Map<String, Set<String>>> exported = exportedLabels();
    List<String> wrong = new ArrayList<>();
    for (Object o : list(tests.get("tests"), ALERT_TESTS + " tests")) {
      Map<String, Object> t = map(o, "test");
      for (Object s : list(t.get("input_series"), t.get("name") + " input_series")) {
        String series = String.valueOf(map(s, "input series").get("series"));
        checkSeries(series, exported, wrong, t.get("name") + ": " + series);
      }
      for (Object a : list(t.get("alert_rule_test"), t.get("name") + " alert_rule_test")) {
        Map<String, Object> rt = map(a, "alert_rule_test");
        Object exp = rt.get("exp_alerts");
        cases
            .computeIfAbsent(String.valueOf(rt.get("alertname")), k -> new TreeSet<>())
            .add(exp != null && !list(exp, "exp_alerts").isEmpty());
      }
    }
    assertEquals(List.of(), wrong, "input series the code does not export so");
    Map<String, Set<Boolean>> both = new TreeMap<>();
    alertNames(alertRules()).forEach(a -> both.put(a, Set.of(false, true)));
    assertEquals(
        both,
        cases,
        "each alert of k8s/base/alerts.yaml: a case where it fires (true) and one where it does not (false)");
  }

  static final Pattern SERIES = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\{(.*)}");
  static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

  /**
   * An input series' name and label names are one the code exports (plus a scrape's target labels);
   * a bucket's le is declared.
   */
  static void checkSeries(
      String series,
      Map<String, Map<String, Set<String>>> exported,
      List<String> wrong,
      String where) {
    Matcher m = SERIES.matcher(series);
    if (!m.matches()) {
      wrong.add(where + ": not name{labels}");
      return;
    }
    Map<String, Set<String>> labels = exported.get(m.group(1));
    if (labels == null) {
      wrong.add(where + ": " + m.group(1) + " is not exported");
      return;
    }
    Set<String> names = new TreeSet<>();
    Matcher l = LABEL.matcher(m.group(2));
    while (l.find()) {
      if (TARGET_LABELS.contains(l.group(1))) {
        continue;
      }
      names.add(l.group(1));
      Set<String> values = labels.get(l.group(1));
      if (values != null && !values.isEmpty() && !values.contains(l.group(2))) {
        wrong.add(where + ": " + l.group(1) + "=\"" + l.group(2) + "\" is none of " + values);
      }
    }
    if (!names.equals(labels.keySet())) {
      wrong.add(where + ": labels " + names + ", the code exports " + labels.keySet());
    }
  }

  /**
   * Series name -> label name -> values the code constrains (le: the declared buckets; reason: the
   * ReasonCode symbols; others free), from registries the roles' metric classes fill as they run.
   */
  static Map<String, Map<String, Set<String>>> exportedLabels() {
    PrometheusRegistry registry = new PrometheusRegistry();
    StreamMetrics streams = new StreamMetrics(registry);
    streams.deadLetter("augment", ReasonCode.SHAPE_MISMATCH);
    streams.consumed("augment", 1);
    streams.produced("augment", 1);
    streams.attackSeconds(0.1);
    streams.lag("fmnist.trainer", 1);
    streams.paused(false);
    streams.snapshotVersion("augment", 1);
    TrainerMetrics trainer = new TrainerMetrics(registry);
    trainer.step(new StepTerms(1, 1, 0, 0), 128, 0.1);
    trainer.staleness(1);
    trainer.skipped("stale");
    trainer.version(1);
    trainer.epoch(0);
    new EvaluationMetrics(registry)
        .publish(
            new ModelResult(
                "igd-student",
                1,
                "arch",
                "igd",
                0.9,
                0.3,
                0.5,
                0.5,
                null,
                null,
                Map.of(0.002, 0.1),
                Map.of(0.002, 0.1),
                Map.of(0.002, 0.1),
                0.1,
                0.1,
                Map.of("fog", Map.of(1, 0.1)),
                List.of()),
            1);
    Set<String> reasons = new TreeSet<>();
    for (ReasonCode r : ReasonCode.values()) {
      reasons.add(r.name());
    }
    Map<String, Map<String, Set<String>>> out = new TreeMap<>();
    for (MetricSnapshot s : registry.scrape()) {
      String n = s.getMetadata().getPrometheusName();
      Map<String, Set<String>> labels = new TreeMap<>();
      for (DataPointSnapshot p : s.getDataPoints()) {
        for (Label l : p.getLabels()) {
          labels.put(
              l.getName(),
              "reason".equals(l.getName()) && n.equals("igd_dead_letters") ? reasons : Set.of());
        }
      }
      if (s instanceof CounterSnapshot) {
        out.put(n + "_total", labels);
      } else if (s instanceof HistogramSnapshot h) {
        Set<String> le = new TreeSet<>();
        for (ClassicHistogramBucket b : h.getDataPoints().get(0).getClassicBuckets()) {
          le.add(
              b.getUpperBound() == Double.POSITIVE_INFINITY
                  ? "+Inf"
                  : Double.toString(b.getUpperBound()));
        }
        Map<String, Set<String>> bucket = new TreeMap<>(labels);
        bucket.put("le", le);
        out.put(n + "_bucket", bucket);
        out.put(n + "_sum", labels);
        out.put(n + "_count", labels);
      } else {
        out.put(n, labels);
      }
    }
    return out;
  }
}
