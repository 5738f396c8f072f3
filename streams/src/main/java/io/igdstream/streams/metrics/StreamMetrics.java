package io.igdstream.streams.metrics;

import io.igdstream.schemas.ReasonCode;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * The Prometheus metrics of the stream stages (ingest, augment, corrupt, evaluate and the snapshot
 * followers), registered in a registry the caller owns. Label {@code stage} tells the roles apart
 * when one JVM runs several.
 */
public final class StreamMetrics {

  private final Counter consumed;
  private final Counter produced;
  private final Counter deadLetters;
  private final Histogram attackSeconds;
  private final Gauge lag;
  private final Gauge paused;
  private final Gauge snapshotVersion;

  public StreamMetrics(PrometheusRegistry registry) {
    consumed =
        Counter.builder()
            .name("igd_records_consumed")
            .help("Records a stage read from its input topic (valid or not).")
            .labelNames("stage")
            .register(registry);
    produced =
        Counter.builder()
            .name("igd_records_produced")
            .help("Records a stage wrote to its output topic (acknowledged by the broker).")
            .labelNames("stage")
            .register(registry);
    deadLetters =
        Counter.builder()
            .name("igd_dead_letters")
            .help(
                "Input records a stage could not decode or validate, sent to {ns}.dlq, by reason.")
            .labelNames("stage", "reason")
            .register(registry);
    attackSeconds =
        Histogram.builder()
            .name("igd_attack")
            .unit(Unit.SECONDS)
            .help(
                "Wall time of one augment batch: PGD against the snapshot plus the teacher gradient.")
            .classicUpperBounds(0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30)
            .register(registry);
    lag =
        Gauge.builder()
            .name("igd_consumer_lag_records")
            .help(
                "Records of a topic not yet committed by a consumer group (latest offset - committed).")
            .labelNames("group")
            .register(registry);
    paused =
        Gauge.builder()
            .name("igd_augment_paused")
            .help("1 while augment waits because the trainer's lag is above the bound, else 0.")
            .register(registry);
    snapshotVersion =
        Gauge.builder()
            .name("igd_follower_snapshot_version")
            .help("Newest complete, verified snapshot version a stage has loaded.")
            .labelNames("stage")
            .register(registry);
  }

  public void consumed(String stage, long n) {
    consumed.labelValues(stage).inc(n);
  }

  public void produced(String stage, long n) {
    produced.labelValues(stage).inc(n);
  }

  public void deadLetter(String stage, ReasonCode reason) {
    deadLetters.labelValues(stage, reason.name()).inc();
  }

  public void attackSeconds(double seconds) {
    attackSeconds.observe(seconds);
  }

  public void lag(String group, long records) {
    lag.labelValues(group).set(records);
  }

  public void paused(boolean isPaused) {
    paused.set(isPaused ? 1 : 0);
  }

  public void snapshotVersion(String stage, long version) {
    snapshotVersion.labelValues(stage).set(version);
  }

  /** Dead letters counted so far by a stage, over all reasons (for progress lines and tests). */
  public long deadLetters(String stage) {
    long total = 0;
    for (ReasonCode r : ReasonCode.values()) {
      total += (long) deadLetters.labelValues(stage, r.name()).get();
    }
    return total;
  }

  public long consumed(String stage) {
    return (long) consumed.labelValues(stage).get();
  }

  public long produced(String stage) {
    return (long) produced.labelValues(stage).get();
  }
}
