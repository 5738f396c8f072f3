package io.igdstream.app.console;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.igdstream.streams.kafka.KafkaAccessError;
import java.util.Map;
import org.slf4j.Marker;

/**
 * Drops the Kafka clients' own log lines about a refused client (failed authentication, a TLS
 * failure, a missing ACL): the command ends with the one line of docs/SECURITY.md "When access is
 * refused" instead, and the clients would repeat it several times with stack traces. Every other
 * Kafka log line passes.
 */
public final class RefusalLogFilter extends TurboFilter {

  @Override
  public FilterReply decide(
      Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (logger == null || !logger.getName().startsWith("org.apache.kafka.clients")) {
      return FilterReply.NEUTRAL;
    }
    if (t != null
        && KafkaAccessError.classify(t, KafkaAccessError.Client.ADMIN, Map.of()).isPresent()) {
      return FilterReply.DENY;
    }
    if (format != null && format.contains("failed authentication")) {
      return FilterReply.DENY;
    }
    if (params != null) {
      for (Object p : params) {
        if (p instanceof Throwable pt
            && KafkaAccessError.classify(pt, KafkaAccessError.Client.ADMIN, Map.of()).isPresent()) {
          return FilterReply.DENY;
        }
        if (p != null && String.valueOf(p).contains("AUTHORIZATION_FAILED")) {
          return FilterReply.DENY;
        }
      }
    }
    return FilterReply.NEUTRAL;
  }
}
