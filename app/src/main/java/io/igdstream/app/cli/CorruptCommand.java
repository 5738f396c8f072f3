package io.igdstream.app.cli;

import com.typesafe.config.Config;
import io.igdstream.app.console.Log;
import io.igdstream.app.roles.ActorSystems;
import io.igdstream.app.roles.CorruptRole;
import io.igdstream.app.roles.MetricsServer;
import io.igdstream.app.roles.TopicSetup;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.corrupt.CorruptSettings;
import io.igdstream.streams.corrupt.CorruptStage;
import io.igdstream.streams.kafka.AccessTable;
import io.igdstream.streams.kafka.GroupOffsets;
import io.igdstream.streams.metrics.StreamMetrics;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.pekko.actor.ActorSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code igd corrupt}: the corruption worker; several with the same prefix split the partitions.
 */
@Command(
    name = "corrupt",
    mixinStandardHelpOptions = true,
    header = "Corruption worker: test split -> NS.test.corrupted.",
    description =
        "The corruption worker: NS.samples (test split) -> every corruption x severity -> NS.test.corrupted. Runs until Ctrl-C.")
public final class CorruptCommand implements Callable<Integer> {

  @Mixin StreamOptions stream;

  @Option(
      names = "--until-caught-up",
      description = "Stop once every test sample present at start is done, instead of running on.")
  boolean untilCaughtUp;

  @Override
  public Integer call() throws Exception {
    Log log = Log.stderr();
    stream.validate();
    Config config = stream.config(Map.of());
    CorruptSettings settings = CorruptSettings.fromConfig(config);
    KafkaSettings kafka = StreamOptions.kafka(config);
    TopicNames topics = stream.topics();
    try (MetricsServer metrics = stream.metricsServer();
        Admin admin = Admin.create(kafka.adminProperties())) {
      TopicSetup.ensure(kafka, config, topics, AccessTable.Role.CORRUPT);
      StreamMetrics streamMetrics = new StreamMetrics(metrics.registry());
      ActorSystem system = ActorSystems.start(config);
      try {
        var end = GroupOffsets.endOffsets(admin, topics.samples());
        String group = topics.prefix() + "." + settings.group();
        var control = CorruptRole.start(system, kafka, topics, config, streamMetrics);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "igd-corrupt-stop"));
        log.info(
            "corrupt: "
                + topics.samples()
                + " -> "
                + topics.testCorrupted()
                + (untilCaughtUp ? " until caught up" : "; Ctrl-C stops"));
        while (!stop.await(10, TimeUnit.SECONDS)) {
          log.info(
              String.format(
                  Locale.ROOT,
                  "corrupt: %d samples read, %d images written, %d dead letters",
                  streamMetrics.consumed(CorruptStage.STAGE),
                  streamMetrics.produced(CorruptStage.STAGE),
                  streamMetrics.deadLetters(CorruptStage.STAGE)));
          if (control.streamCompletion().toCompletableFuture().isDone()
              || untilCaughtUp && GroupOffsets.reached(admin, group, topics.samples(), end)) {
            break;
          }
        }
        control
            .drainAndShutdown(system.dispatcher())
            .toCompletableFuture()
            .get(60, TimeUnit.SECONDS);
      } finally {
        ActorSystems.stop(system);
      }
    }
    return ExitCode.OK;
  }
}
