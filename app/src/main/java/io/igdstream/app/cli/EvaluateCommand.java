package io.igdstream.app.cli;

import com.typesafe.config.Config;
import io.igdstream.app.console.Log;
import io.igdstream.app.report.ReportFiles;
import io.igdstream.app.roles.ActorSystems;
import io.igdstream.app.roles.EvaluatorRole;
import io.igdstream.app.roles.MetricsServer;
import io.igdstream.app.roles.TopicSetup;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.evaluate.EvaluateSettings;
import io.igdstream.streams.evaluate.Evaluation;
import io.igdstream.streams.evaluate.EvaluatorStream;
import io.igdstream.streams.kafka.AccessTable;
import io.igdstream.streams.metrics.StreamMetrics;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code igd evaluate}: the evaluator stream, one report per selected snapshot. */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    header = "Evaluator: a robustness report per k-th snapshot -> NS.reports.",
    description =
        "The evaluator: for every k-th model snapshot (and the final one) the robustness report on the test split and "
            + "NS.test.corrupted -> NS.reports (keyed model-id/version) and Prometheus gauges. Runs until Ctrl-C or --until-final.")
public final class EvaluateCommand implements Callable<Integer> {

  @Mixin StreamOptions stream;

  @Option(
      names = "--every",
      description = "Evaluate every k-th snapshot version (igd.evaluate.every).")
  Integer every;

  @Option(
      names = "--test-limit",
      description = "Test images evaluated, 0 = all (igd.evaluate.test-limit).")
  Integer testLimit;

  @Option(
      names = "--until-final",
      description = "Stop after the report of the snapshot marked final.")
  boolean untilFinal;

  @Mixin ReportDirectoryOption reportDirectory;

  @Override
  public Integer call() throws Exception {
    Log log = Log.stderr();
    stream.validate();
    Map<String, Object> overrides = new LinkedHashMap<>();
    if (every != null) {
      overrides.put("igd.evaluate.every", every);
    }
    if (testLimit != null) {
      overrides.put("igd.evaluate.test-limit", testLimit);
    }
    Config config = stream.config(overrides);
    EvaluateSettings settings = EvaluateSettings.fromConfig(config);
    if (reportDirectory.dir() != null) {
      OutputDirectory.prepare(reportDirectory.dir());
    }
    KafkaSettings kafka = StreamOptions.kafka(config);
    TopicNames topics = stream.topics();
    String modelId = config.getString("igd.trainer.model-id");
    try (MetricsServer metrics = stream.metricsServer()) {
      TopicSetup.ensure(kafka, config, topics, AccessTable.Role.EVALUATE);
      ActorSystem system = ActorSystems.start(config);
      try {
        EvaluatorStream stage =
            EvaluatorRole.start(
                system,
                kafka,
                topics,
                config,
                new StreamMetrics(metrics.registry()),
                metrics.registry(),
                log);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "igd-evaluate-stop"));
        log.info(
            "evaluate: following "
                + topics.snapshots()
                + " for "
                + modelId
                + (untilFinal ? " until its final snapshot" : "; Ctrl-C stops"));
        Optional<Evaluation> last = Optional.empty();
        while (!stop.await(1, TimeUnit.SECONDS) && !stage.done().toCompletableFuture().isDone()) {
          last = stage.latest();
          if (untilFinal && last.isPresent() && last.get().isFinal()) {
            break;
          }
          if (stage.followerFailure().isPresent()) {
            // no snapshots will come (e.g. access refused): stop instead of waiting forever
            Throwable failure = stage.followerFailure().get();
            stage.stop().toCompletableFuture().get(1, TimeUnit.MINUTES);
            throw new IllegalStateException(
                "the snapshot follower stopped: " + failure.getMessage(), failure);
          }
        }
        stage.stop().toCompletableFuture().get(10, TimeUnit.MINUTES);
        last = stage.latest();
        if (reportDirectory.dir() != null && last.isPresent()) {
          Files.createDirectories(reportDirectory.dir());
          ReportFiles.writeAll(last.get().report(), reportDirectory.dir());
          log.info(
              "wrote the report of snapshot v"
                  + last.get().version()
                  + " to "
                  + reportDirectory.dir());
        }
      } finally {
        ActorSystems.stop(system);
      }
    }
    return ExitCode.OK;
  }
}
