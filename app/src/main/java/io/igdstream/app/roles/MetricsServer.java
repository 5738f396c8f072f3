package io.igdstream.app.roles;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The Prometheus endpoint of a role: {@code http://HOST:PORT/metrics} over a registry of its own
 * (never the global default), with the JVM metrics. HOST is 127.0.0.1 unless {@code --metrics-host}
 * says otherwise (in a pod, 0.0.0.0, with a network policy deciding who may scrape).
 */
public final class MetricsServer implements AutoCloseable {

  private final PrometheusRegistry registry;
  private final HTTPServer server;

  private MetricsServer(PrometheusRegistry registry, HTTPServer server) {
    this.registry = registry;
    this.server = server;
  }

  /**
   * Starts serving on {@code port} (0 = a free one); -1 keeps the registry without a server.
   *
   * @throws UncheckedIOException when the address cannot be bound
   */
  public static MetricsServer start(String host, int port) {
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);
    if (port < 0) {
      return new MetricsServer(registry, null);
    }
    try {
      return new MetricsServer(
          registry,
          HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot serve metrics on " + host + ":" + port + " (" + e.getMessage() + ")", e);
    }
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  /** The bound port, or -1 without a server. */
  public int port() {
    return server == null ? -1 : server.getPort();
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
  }
}
