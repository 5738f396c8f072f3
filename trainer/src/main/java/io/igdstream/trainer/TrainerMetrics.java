package io.igdstream.trainer;

import io.igdstream.core.train.StepTerms;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

/** The trainer's Prometheus metrics, in a registry the caller owns. */
public final class TrainerMetrics {

  private final Counter steps;
  private final Counter samples;
  private final Counter skipped;
  private final Gauge loss;
  private final Histogram staleness;
  private final Histogram stepSeconds;
  private final Gauge version;
  private final Gauge epoch;

  public TrainerMetrics(PrometheusRegistry registry) {
    steps =
        Counter.builder()
            .name("igd_trainer_steps")
            .help("Optimiser steps taken by the trainer.")
            .register(registry);
    samples =
        Counter.builder()
            .name("igd_trainer_samples")
            .help("Adversarial records trained on.")
            .register(registry);
    skipped =
        Counter.builder()
            .name("igd_trainer_skipped_records")
            .help(
                "Records consumed but not trained: duplicate (sample id, epoch), stale (dropped), beyond the last epoch, dead letter.")
            .labelNames("reason")
            .register(registry);
    loss =
        Gauge.builder()
            .name("igd_trainer_loss")
            .help("Loss terms of the last step: total = ce + lambda * cos.")
            .labelNames("term")
            .register(registry);
    staleness =
        Histogram.builder()
            .name("igd_trainer_staleness_versions")
            .help(
                "Per trained record: trainer snapshot version - the version its x_adv was made against.")
            .classicUpperBounds(0, 1, 2, 3, 4, 6, 8, 12, 16, 32, 64)
            .register(registry);
    stepSeconds =
        Histogram.builder()
            .name("igd_trainer_step")
            .unit(Unit.SECONDS)
            .help(
                "Wall time of one IGD step on shipped x_adv and teacher gradient, including any wait for the JVM's gradient thread (shared with augment and evaluate in igd pipeline).")
            .classicUpperBounds(0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5)
            .register(registry);
    version =
        Gauge.builder()
            .name("igd_trainer_snapshot_version")
            .help("Newest snapshot version the trainer published.")
            .register(registry);
    epoch =
        Gauge.builder()
            .name("igd_trainer_epoch")
            .help("Lowest epoch the trainer has not finished.")
            .register(registry);
  }

  public void step(StepTerms terms, int batch, double seconds) {
    steps.inc();
    samples.inc(batch);
    loss.labelValues("total").set(terms.total());
    loss.labelValues("ce").set(terms.ce());
    loss.labelValues("cos").set(terms.cos());
    stepSeconds.observe(seconds);
  }

  public void staleness(long versions) {
    staleness.observe(versions);
  }

  public void skipped(String reason) {
    skipped.labelValues(reason).inc();
  }

  public void version(long v) {
    version.set(v);
  }

  public void epoch(int e) {
    epoch.set(e);
  }
}
