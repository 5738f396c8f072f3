package io.igdstream.app.cli;

import com.typesafe.config.Config;
import io.igdstream.app.console.Log;
import io.igdstream.app.roles.ActorSystems;
import io.igdstream.app.roles.AugmentRole;
import io.igdstream.app.roles.MetricsServer;
import io.igdstream.app.roles.TeacherModel;
import io.igdstream.app.roles.TopicSetup;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.augment.AugmentStage;
import io.igdstream.streams.kafka.AccessTable;
import io.igdstream.streams.metrics.StreamMetrics;
import io.igdstream.streams.snapshot.SnapshotFollower;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.ActorSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code igd augment}: the adversarial-example worker; start several with the same prefix to scale
 * out.
 */
@Command(
    name = "augment",
    mixinStandardHelpOptions = true,
    header = "Adversarial-example worker: NS.samples -> NS.train.adversarial.",
    description =
        "The adversarial-example worker: NS.samples (train split) + newest NS.snapshots -> PGD + teacher gradient -> "
            + "NS.train.adversarial, one pass per epoch. Workers with the same prefix split the partitions.")
public final class AugmentCommand implements Callable<Integer> {

  @Mixin StreamOptions stream;

  @Option(
      names = "--teacher",
      required = true,
      description = "The frozen NAT teacher (model file from igd train-local --method nat).")
  Path teacher;

  @Option(
      names = "--epochs",
      description =
          "Passes over the training split (igd.train.epochs); the trainer must use the same.")
  Integer epochs;

  @Option(
      names = "--max-lag",
      description = "Pause above this many records of trainer lag (igd.augment.max-lag).")
  Long maxLag;

  @Override
  public Integer call() throws Exception {
    Log log = Log.stderr();
    stream.validate();
    Map<String, Object> overrides = new LinkedHashMap<>();
    if (epochs != null) {
      overrides.put("igd.train.epochs", epochs);
    }
    if (maxLag != null) {
      overrides.put("igd.augment.max-lag", maxLag);
    }
    Config config = stream.config(overrides);
    KafkaSettings kafka = StreamOptions.kafka(config);
    TopicNames topics = stream.topics();
    if (!Files.isRegularFile(teacher)) {
      throw new BadInputException("--teacher " + teacher + " does not exist");
    }
    Classifier teacherModel = TeacherModel.load(teacher);
    ActorSystem system = null;
    try (MetricsServer metrics = stream.metricsServer()) {
      TopicSetup.ensure(kafka, config, topics, AccessTable.Role.AUGMENT);
      StreamMetrics streamMetrics = new StreamMetrics(metrics.registry());
      system = ActorSystems.start(config);
      try (SnapshotFollower follower = AugmentRole.follower(kafka, topics, config, streamMetrics)) {
        log.info(
            "augment: waiting for the first snapshot of "
                + config.getString("igd.trainer.model-id")
                + " on "
                + topics.snapshots());
        AugmentStage stage =
            AugmentRole.start(
                system, kafka, topics, config, teacherModel, follower, streamMetrics, log);
        // Ctrl-C / SIGTERM: drain (commit what was produced) before the JVM exits
        Runtime.getRuntime()
            .addShutdownHook(
                new Thread(
                    () -> {
                      stage.stop();
                      try {
                        stage.done().toCompletableFuture().get(2, TimeUnit.MINUTES);
                      } catch (Exception e) {
                        // exiting anyway; uncommitted samples are made again on restart
                        // (at-least-once)
                      }
                    },
                    "igd-augment-stop"));
        var done = stage.done().toCompletableFuture();
        while (!done.isDone()) {
          try {
            done.get(10, TimeUnit.SECONDS); // returns as soon as the stage ends
            break;
          } catch (TimeoutException e) {
            // still running: a progress line
          }
          if (follower.failure().isPresent()) {
            // no snapshots will come (e.g. access refused): stop instead of waiting forever
            stage.stop();
            throw new IllegalStateException(
                "the snapshot follower stopped: " + follower.failure().get().getMessage(),
                follower.failure().get());
          }
          AugmentStage.Status s = stage.status();
          log.info(
              String.format(
                  Locale.ROOT,
                  "augment: epoch %d/%d, %d produced, %d dead letters, trainer lag %d, snapshot v%d",
                  s.epoch() + 1,
                  s.epochs(),
                  s.produced(),
                  s.deadLetters(),
                  s.lag(),
                  follower.version()));
        }
        done.get();
        log.info("augment: all epochs done");
      }
    } finally {
      if (system != null) {
        ActorSystems.stop(system);
      }
      GradientThread.shared()
          .call(
              () -> {
                teacherModel.close();
                return null;
              });
    }
    return ExitCode.OK;
  }
}
