package io.igdstream.streams.augment;

import io.igdstream.streams.kafka.GroupOffsets;
import io.igdstream.streams.metrics.StreamMetrics;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;

/**
 * Cross-Kafka backpressure (docs/DESIGN.md "Data flow"): Kafka decouples augment from the trainer,
 * so augment reads the trainer group's lag on {@code {ns}.train.adversarial} and waits while it is
 * above a bound. The lag is polled on a timer; {@link #whenOpen} completes at once below the bound,
 * or when a later poll sees it drop. A broker that does not answer keeps the gate as it was.
 * Records still in flight (one batch attacked, one in the producer) are not in the polled lag yet,
 * so augment stops within two batches above the bound.
 */
public final class LagGate implements AutoCloseable {

  private final Admin admin;
  private final String group;
  private final String topic;
  private final long maxLag;
  private final StreamMetrics metrics;
  private final ScheduledExecutorService timer;
  private volatile long lag;
  private CompletableFuture<Void> open = CompletableFuture.completedFuture(null);

  public LagGate(
      Admin admin,
      String group,
      String topic,
      long maxLag,
      Duration interval,
      StreamMetrics metrics) {
    this.admin = admin;
    this.group = group;
    this.topic = topic;
    this.maxLag = maxLag;
    this.metrics = metrics;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "igd-lag-gate");
              t.setDaemon(true);
              return t;
            });
    poll();
    timer.scheduleWithFixedDelay(
        this::poll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The lag last read. */
  public long lag() {
    return lag;
  }

  /**
   * Counts records just produced, so the gate closes at the bound before the next poll sees them
   * (the overshoot is then at most one batch).
   */
  public synchronized void produced(long records) {
    lag += records;
    if (lag > maxLag && open.isDone()) {
      open = new CompletableFuture<>();
      metrics.paused(true);
    }
  }

  /** Completes when the lag is at most the bound. */
  public synchronized CompletableFuture<Void> whenOpen() {
    return open;
  }

  private void poll() {
    try {
      long now = GroupOffsets.lag(admin, group, topic);
      lag = now;
      metrics.lag(group, now);
      synchronized (this) {
        boolean below = now <= maxLag;
        if (below && !open.isDone()) {
          open.complete(null);
        } else if (!below && open.isDone()) {
          open = new CompletableFuture<>();
        }
        metrics.paused(!below);
      }
    } catch (RuntimeException e) {
      // broker away: keep the last state; the next poll tries again
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    synchronized (this) {
      open.complete(null);
    }
  }
}
