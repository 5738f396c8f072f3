package io.igdstream.streams.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.igdstream.core.attack.AutoAttackResult;
import io.igdstream.core.attack.Norm;
import io.igdstream.core.eval.ModelResult;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The gauges, read back through registry snapshots. */
class EvaluationMetricsTest {

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final EvaluationMetrics metrics = new EvaluationMetrics(registry);

  private MetricSnapshot metric(String name) {
    return registry.scrape().stream()
        .filter(s -> s.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no metric " + name));
  }

  /** The value of the series with exactly these labels, if there is one. */
  private Optional<Double> value(String name, String... labels) {
    Labels wanted = Labels.of(labels);
    for (DataPointSnapshot p : metric(name).getDataPoints()) {
      if (p.getLabels().equals(wanted)) {
        return Optional.of(
            p instanceof GaugeSnapshot.GaugeDataPointSnapshot g
                ? g.getValue()
                : ((CounterSnapshot.CounterDataPointSnapshot) p).getValue());
      }
    }
    return Optional.empty();
  }

  private double gauge(String name, String... labels) {
    return value(name, labels)
        .orElseThrow(() -> new AssertionError(name + " has no series " + List.of(labels)));
  }

  @Test
  void everyMetricIsRegisteredWithItsNameHelpAndUnit() {
    Set<String> names =
        registry.scrape().stream().map(s -> s.getMetadata().getName()).collect(Collectors.toSet());
    assertEquals(
        Set.of(
            "igd_eval_clean_accuracy_ratio",
            "igd_eval_pgd20_accuracy_ratio",
            "igd_eval_gini_pixel_ratio",
            "igd_eval_gini_regional_ratio",
            "igd_eval_ina_add_error_ratio",
            "igd_eval_ina_replace_error_ratio",
            "igd_eval_rn_error_ratio",
            "igd_eval_ioa_grey_error_ratio",
            "igd_eval_ioa_white_error_ratio",
            "igd_eval_corruption_error_ratio",
            "igd_eval_corruption_mean_error_ratio",
            "igd_eval_autoattack_accuracy_ratio",
            "igd_eval_autoattack_attack_accuracy_ratio",
            "igd_eval_snapshot_version",
            // a counter's snapshot name has no _total; the exposition formats append it
            "igd_eval_reports",
            "igd_eval_seconds"),
        names);
    registry
        .scrape()
        .forEach(s -> assertFalse(s.getMetadata().getHelp().isBlank(), s.getMetadata().getName()));
    assertEquals(Unit.RATIO, metric("igd_eval_clean_accuracy_ratio").getMetadata().getUnit());
    assertEquals(Unit.SECONDS, metric("igd_eval_seconds").getMetadata().getUnit());
    assertTrue(metric("igd_eval_reports") instanceof CounterSnapshot);
    assertEquals(
        "igd_eval_reports_total", metric("igd_eval_reports").getMetadata().getOriginalName());
  }

  @Test
  void publishedValuesAppearWithTheirLabels() {
    ModelResult r = Results.full("igd", 0);
    metrics.publish(r, 42.5);

    assertEquals(0.91, gauge("igd_eval_clean_accuracy_ratio", "model_id", "igd"));
    assertEquals(0.73, gauge("igd_eval_pgd20_accuracy_ratio", "model_id", "igd"));
    assertEquals(0.62, gauge("igd_eval_gini_pixel_ratio", "model_id", "igd"));
    assertEquals(0.55, gauge("igd_eval_gini_regional_ratio", "model_id", "igd"));
    assertEquals(
        0.05, gauge("igd_eval_ina_add_error_ratio", "model_id", "igd", "fraction", "0.002"));
    assertEquals(
        0.10, gauge("igd_eval_ina_add_error_ratio", "model_id", "igd", "fraction", "0.004"));
    assertEquals(
        0.07, gauge("igd_eval_ina_replace_error_ratio", "model_id", "igd", "fraction", "0.002"));
    assertEquals(0.03, gauge("igd_eval_rn_error_ratio", "model_id", "igd", "fraction", "0.04"));
    assertEquals(0.2, gauge("igd_eval_ioa_grey_error_ratio", "model_id", "igd"));
    assertEquals(0.3, gauge("igd_eval_ioa_white_error_ratio", "model_id", "igd"));
    String corruption = "igd_eval_corruption_error_ratio";
    assertEquals(0.2, gauge(corruption, "model_id", "igd", "corruption", "gaussian_noise"), 1e-9);
    assertEquals(0.4, gauge(corruption, "model_id", "igd", "corruption", "contrast"), 1e-9);
    assertEquals(0.3, gauge("igd_eval_corruption_mean_error_ratio", "model_id", "igd"), 1e-12);
    assertEquals(0.0, gauge("igd_eval_snapshot_version", "model_id", "igd"));
    assertEquals(42.5, gauge("igd_eval_seconds", "model_id", "igd"));
    assertEquals(1.0, gauge("igd_eval_reports", "model_id", "igd"));
  }

  @Test
  void aNewerVersionOverwritesTheSeriesAndCountsASecondReport() {
    metrics.publish(Results.full("igd", 1), 10);
    metrics.publish(Results.full("igd", 2), 20);

    assertEquals(0.912, gauge("igd_eval_clean_accuracy_ratio", "model_id", "igd"), 1e-12);
    assertEquals(
        0.052,
        gauge("igd_eval_ina_add_error_ratio", "model_id", "igd", "fraction", "0.002"),
        1e-12);
    assertEquals(2.0, gauge("igd_eval_snapshot_version", "model_id", "igd"));
    assertEquals(20.0, gauge("igd_eval_seconds", "model_id", "igd"));
    assertEquals(2.0, gauge("igd_eval_reports", "model_id", "igd"));
    assertEquals(1, metric("igd_eval_clean_accuracy_ratio").getDataPoints().size());
  }

  @Test
  void testsNotRunLeaveTheirGaugesAbsent() {
    metrics.publish(Results.cleanOnly("nat", 3), 1);

    assertEquals(0.88, gauge("igd_eval_clean_accuracy_ratio", "model_id", "nat"));
    assertEquals(3.0, gauge("igd_eval_snapshot_version", "model_id", "nat"));
    List<String> notRun =
        List.of(
            "igd_eval_pgd20_accuracy_ratio",
            "igd_eval_gini_pixel_ratio",
            "igd_eval_gini_regional_ratio",
            "igd_eval_ina_add_error_ratio",
            "igd_eval_ina_replace_error_ratio",
            "igd_eval_rn_error_ratio",
            "igd_eval_ioa_grey_error_ratio",
            "igd_eval_ioa_white_error_ratio",
            "igd_eval_corruption_error_ratio",
            "igd_eval_corruption_mean_error_ratio");
    for (String name : notRun) {
      List<Labels> series =
          registry.scrape().stream()
              .filter(s -> s.getMetadata().getName().equals(name))
              .flatMap(s -> s.getDataPoints().stream())
              .map(DataPointSnapshot::getLabels)
              .toList();
      assertTrue(series.isEmpty(), name + " has " + series);
    }
  }

  @Test
  void testsNotRunLeaveTheLastValuesUntouched() {
    metrics.publish(Results.full("igd", 1), 10);
    metrics.publish(Results.cleanOnly("igd", 2), 5);

    assertEquals(0.88, gauge("igd_eval_clean_accuracy_ratio", "model_id", "igd"));
    assertEquals(0.731, gauge("igd_eval_pgd20_accuracy_ratio", "model_id", "igd"), 1e-12);
    assertEquals(0.301, gauge("igd_eval_corruption_mean_error_ratio", "model_id", "igd"), 1e-12);
  }

  @Test
  void modelsAreSeparateSeries() {
    metrics.publish(Results.full("igd", 0), 1);
    metrics.publish(Results.cleanOnly("nat", 0), 1);

    assertEquals(0.91, gauge("igd_eval_clean_accuracy_ratio", "model_id", "igd"));
    assertEquals(0.88, gauge("igd_eval_clean_accuracy_ratio", "model_id", "nat"));
    assertTrue(value("igd_eval_pgd20_accuracy_ratio", "model_id", "nat").isEmpty());
  }

  @Test
  void negativeOrNonFiniteSecondsAreRejectedByValue() {
    for (double bad : new double[] {-1, Double.NaN, Double.POSITIVE_INFINITY}) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> metrics.publish(Results.full("igd", 0), bad));
      assertTrue(
          e.getMessage().contains("seconds must be") && e.getMessage().contains("was " + bad),
          e.getMessage());
    }
    assertTrue(value("igd_eval_reports", "model_id", "igd").isEmpty(), "nothing published");
  }

  @Test
  void aReportWithAutoAttackSetsItsGaugesByVersionNormAndMember() {
    AutoAttackResult run =
        new AutoAttackResult(
            "apgd",
            Norm.LINF,
            0.1,
            8,
            0.875,
            List.of(
                new AutoAttackResult.Outcome("apgd-ce", 7, 2, 5 / 8.0, 0, 1.0),
                new AutoAttackResult.Outcome("apgd-t", 5, 1, 4 / 8.0, 0, 2.0)),
            4 / 8.0,
            new boolean[8],
            List.of());
    ModelResult without = Results.full("igd-small-cnn", 3);
    metrics.publish(without, 1.0);
    assertTrue(
        value(
                "igd_eval_autoattack_accuracy_ratio",
                "model_id",
                "igd-small-cnn",
                "norm",
                "linf",
                "version",
                "apgd")
            .isEmpty(),
        "no run, no series");

    metrics.publish(Results.full("igd-small-cnn", 4).withAutoAttack(run), 1.0);
    // Labels.of sorts by name
    assertEquals(
        0.5,
        gauge(
            "igd_eval_autoattack_accuracy_ratio",
            "model_id",
            "igd-small-cnn",
            "norm",
            "linf",
            "version",
            "apgd"));
    assertEquals(
        0.625,
        gauge(
            "igd_eval_autoattack_attack_accuracy_ratio",
            "attack",
            "apgd-ce",
            "model_id",
            "igd-small-cnn",
            "norm",
            "linf",
            "version",
            "apgd"));
    assertEquals(
        0.5,
        gauge(
            "igd_eval_autoattack_attack_accuracy_ratio",
            "attack",
            "apgd-t",
            "model_id",
            "igd-small-cnn",
            "norm",
            "linf",
            "version",
            "apgd"));
    assertEquals(2, metric("igd_eval_autoattack_attack_accuracy_ratio").getDataPoints().size());
  }
}
