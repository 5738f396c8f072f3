package io.igdstream.streams.evaluate;

import io.igdstream.core.attack.AutoAttackResult;
import io.igdstream.core.eval.ModelResult;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.Map;
import java.util.Objects;

/**
 * Publishes each evaluated snapshot's robustness results as Prometheus gauges, one series per model
 * ({@code model_id}), so dashboards follow robustness as training goes on. Math stays in core; this
 * class only maps a {@link ModelResult} onto metrics in the registry it is given.
 *
 * <p>Names follow {@code igd_<what>_<unit>}. In client_java 1.10 a declared unit is appended to the
 * name unless the name already ends with it, so {@code igd_eval_clean_accuracy_ratio} with {@link
 * Unit#RATIO} keeps its name; the counter {@code igd_eval_reports_total} is held as {@code
 * igd_eval_reports} in snapshots and exported with {@code _total}. Fractions are labelled with
 * {@link Double#toString(double)} ({@code 0.002}).
 *
 * <p>Thread-safe (the gauges are).
 */
public final class EvaluationMetrics {

  static final String MODEL_ID = "model_id";
  static final String FRACTION = "fraction";
  static final String CORRUPTION = "corruption";
  static final String ATTACK = "attack";
  static final String VERSION = "version";
  static final String NORM = "norm";

  private final Gauge cleanAccuracy;
  private final Gauge pgd20Accuracy;
  private final Gauge giniPixel;
  private final Gauge giniRegional;
  private final Gauge inaAddError;
  private final Gauge inaReplaceError;
  private final Gauge rnError;
  private final Gauge ioaGreyError;
  private final Gauge ioaWhiteError;
  private final Gauge corruptionError;
  private final Gauge corruptionMeanError;
  private final Gauge autoAttackAccuracy;
  private final Gauge autoAttackAttackAccuracy;
  private final Gauge snapshotVersion;
  private final Counter reports;
  private final Gauge seconds;

  /**
   * Registers the metrics in {@code registry} (never the default one: tests and several evaluators
   * in one JVM each bring their own).
   *
   * @throws IllegalArgumentException if the registry already holds metrics of these names
   */
  public EvaluationMetrics(PrometheusRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    cleanAccuracy =
        ratio(registry, "igd_eval_clean_accuracy_ratio", "Accuracy on clean test images.");
    pgd20Accuracy =
        ratio(
            registry,
            "igd_eval_pgd20_accuracy_ratio",
            "Accuracy under PGD-20 (correct only if also correct clean).");
    giniPixel =
        ratio(
            registry,
            "igd_eval_gini_pixel_ratio",
            "Mean Gini coefficient of |saliency| over all pixels, on the joint-correct subset.");
    giniRegional =
        ratio(
            registry,
            "igd_eval_gini_regional_ratio",
            "Mean Gini coefficient of block-averaged |saliency|, on the joint-correct subset.");
    inaAddError =
        ratio(
            registry,
            "igd_eval_ina_add_error_ratio",
            "Error rate of the inductive noise attack, additive variant, per perturbed fraction of pixels.",
            FRACTION);
    inaReplaceError =
        ratio(
            registry,
            "igd_eval_ina_replace_error_ratio",
            "Error rate of the inductive noise attack, replacing variant, per perturbed fraction of pixels.",
            FRACTION);
    rnError =
        ratio(
            registry,
            "igd_eval_rn_error_ratio",
            "Error rate under random noise, per perturbed fraction of pixels.",
            FRACTION);
    ioaGreyError =
        ratio(
            registry,
            "igd_eval_ioa_grey_error_ratio",
            "Error rate of the inductive occlusion attack with grey (0.5) fill.");
    ioaWhiteError =
        ratio(
            registry,
            "igd_eval_ioa_white_error_ratio",
            "Error rate of the inductive occlusion attack with white (1.0) fill.");
    corruptionError =
        ratio(
            registry,
            "igd_eval_corruption_error_ratio",
            "Error rate under one corruption, mean over severities 1-5.",
            CORRUPTION);
    corruptionMeanError =
        ratio(
            registry,
            "igd_eval_corruption_mean_error_ratio",
            "Error rate under corruptions, mean over every corruption and severity.");
    autoAttackAccuracy =
        ratio(
            registry,
            "igd_eval_autoattack_accuracy_ratio",
            "Robust accuracy under AutoAttack (every member of the version), on its test images.",
            VERSION,
            NORM);
    autoAttackAttackAccuracy =
        ratio(
            registry,
            "igd_eval_autoattack_attack_accuracy_ratio",
            "Robust accuracy of the AutoAttack ensemble after each member (cumulative, in run order).",
            ATTACK,
            VERSION,
            NORM);
    snapshotVersion =
        Gauge.builder()
            .name("igd_eval_snapshot_version")
            .help("Version of the last evaluated model snapshot.")
            .labelNames(MODEL_ID)
            .register(registry);
    reports =
        Counter.builder()
            .name("igd_eval_reports_total")
            .help("Robustness reports published.")
            .labelNames(MODEL_ID)
            .register(registry);
    seconds =
        Gauge.builder()
            .name("igd_eval_seconds")
            .unit(Unit.SECONDS)
            .help("Wall time of the last evaluation.")
            .labelNames(MODEL_ID)
            .register(registry);
  }

  private static Gauge ratio(
      PrometheusRegistry registry, String name, String help, String... extraLabels) {
    String[] labels = new String[extraLabels.length + 1];
    labels[0] = MODEL_ID;
    System.arraycopy(extraLabels, 0, labels, 1, extraLabels.length);
    return Gauge.builder()
        .name(name)
        .unit(Unit.RATIO)
        .help(help)
        .labelNames(labels)
        .register(registry);
  }

  /**
   * Sets every gauge the result has a value for and counts one report. A test that was not run
   * (null, or no corruptions) leaves its gauges as they were.
   *
   * @param seconds the evaluation's wall time, seconds
   * @throws IllegalArgumentException if seconds is negative or not finite
   */
  public void publish(ModelResult result, double seconds) {
    Objects.requireNonNull(result, "result");
    String id = Objects.requireNonNull(result.modelId(), "model id");
    if (!(seconds >= 0) || Double.isInfinite(seconds)) {
      throw new IllegalArgumentException("seconds must be finite and >= 0, was " + seconds);
    }
    cleanAccuracy.labelValues(id).set(result.cleanAccuracy());
    set(pgd20Accuracy, id, result.pgd20Accuracy());
    set(giniPixel, id, result.giniPixel());
    set(giniRegional, id, result.giniRegional());
    setPerFraction(inaAddError, id, result.inaAdd());
    setPerFraction(inaReplaceError, id, result.inaReplace());
    setPerFraction(rnError, id, result.rn());
    set(ioaGreyError, id, result.ioaGrey());
    set(ioaWhiteError, id, result.ioaWhite());
    if (result.corruptions() != null && !result.corruptions().isEmpty()) {
      for (String name : result.corruptions().keySet()) {
        corruptionError.labelValues(id, name).set(result.corruptionMean(name));
      }
      corruptionMeanError.labelValues(id).set(result.corruptionMean());
    }
    AutoAttackResult aa = result.autoAttack();
    if (aa != null) {
      String norm = aa.norm().key();
      autoAttackAccuracy.labelValues(id, aa.version(), norm).set(aa.robustAccuracy());
      for (AutoAttackResult.Outcome o : aa.attacks()) {
        autoAttackAttackAccuracy
            .labelValues(id, o.name(), aa.version(), norm)
            .set(o.robustAccuracyAfter());
      }
    }
    snapshotVersion.labelValues(id).set(result.snapshotVersion());
    this.seconds.labelValues(id).set(seconds);
    reports.labelValues(id).inc();
  }

  private static void set(Gauge gauge, String id, Double value) {
    if (value != null) {
      gauge.labelValues(id).set(value);
    }
  }

  private static void setPerFraction(Gauge gauge, String id, Map<Double, Double> rates) {
    if (rates != null) {
      rates.forEach((fraction, rate) -> gauge.labelValues(id, Double.toString(fraction)).set(rate));
    }
  }
}
