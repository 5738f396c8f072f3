package io.igdstream.app.roles;

import com.typesafe.config.Config;
import io.igdstream.app.console.Log;
import io.igdstream.core.data.Dataset;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.ingest.SampleIngest;
import io.igdstream.streams.kafka.AccessTable;
import io.igdstream.streams.metrics.StreamMetrics;
import java.util.Locale;
import org.apache.pekko.actor.ActorSystem;

/** The ingest role: a dataset's splits onto NS.samples, each sample once. */
public final class IngestRole {

  private IngestRole() {}

  /** Creates the topics and ingests {@code train} and {@code test} (either may be null). */
  public static SampleIngest.Result run(
      KafkaSettings kafka,
      Config config,
      TopicNames topics,
      String dataset,
      Dataset train,
      Dataset test,
      StreamMetrics metrics,
      Log log)
      throws Exception {
    TopicSetup.ensure(kafka, config, topics, AccessTable.Role.INGEST);
    ActorSystem system = ActorSystems.start(config);
    try {
      long t0 = System.nanoTime();
      SampleIngest.Result r =
          SampleIngest.run(system, kafka, topics, dataset, train, test, metrics, n -> {});
      double s = (System.nanoTime() - t0) / 1e9;
      log.info(
          String.format(
              Locale.ROOT,
              "ingest %s -> %s: %d written, %d already there, %.1f s (%.0f rec/s)",
              dataset,
              topics.samples(),
              r.written(),
              r.skipped(),
              s,
              r.written() / Math.max(s, 1e-9)));
      return r;
    } finally {
      ActorSystems.stop(system);
    }
  }
}
