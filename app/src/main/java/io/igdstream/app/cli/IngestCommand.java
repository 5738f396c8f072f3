package io.igdstream.app.cli;

import com.typesafe.config.Config;
import io.igdstream.app.console.Log;
import io.igdstream.app.roles.IngestRole;
import io.igdstream.app.roles.MetricsServer;
import io.igdstream.core.data.Dataset;
import io.igdstream.core.data.DatasetSplits;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.metrics.StreamMetrics;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code igd ingest}: a dataset → ImageSample records on {@code NS.samples}; re-running adds
 * nothing twice.
 */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    header = "A dataset's images as ImageSample records on NS.samples.",
    description =
        "Read a dataset and produce ImageSample records to NS.samples (creates the topics of NS if missing).")
public final class IngestCommand implements Callable<Integer> {

  @Mixin DataOptions data;

  @Mixin StreamOptions stream;

  @Option(names = "--train-limit", description = "Ingest the first N training images only.")
  Integer trainLimit;

  @Option(names = "--test-limit", description = "Ingest the first N test images only.")
  Integer testLimit;

  @Override
  public Integer call() throws Exception {
    Log log = Log.stderr();
    stream.validate();
    checkLimit("--train-limit", trainLimit);
    checkLimit("--test-limit", testLimit);
    Config config = stream.config(Map.of());
    KafkaSettings kafka = StreamOptions.kafka(config);
    TopicNames topics = stream.topics();
    DatasetSplits splits = data.load(log);
    try (MetricsServer metrics = stream.metricsServer()) {
      IngestRole.run(
          kafka,
          config,
          topics,
          data.dataset,
          limit(splits.train(), trainLimit),
          limit(splits.test(), testLimit),
          new StreamMetrics(metrics.registry()),
          log);
    }
    return ExitCode.OK;
  }

  static void checkLimit(String option, Integer limit) {
    if (limit != null && limit < 0) {
      throw new BadInputException(option + " must be >= 0, was " + limit);
    }
  }

  static Dataset limit(Dataset data, Integer n) {
    return n == null ? data : n == 0 ? null : data.limit(Math.min(n, data.size()));
  }
}
