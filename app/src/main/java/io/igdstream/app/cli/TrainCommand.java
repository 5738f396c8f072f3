package io.igdstream.app.cli;

import com.typesafe.config.Config;
import io.igdstream.app.console.Log;
import io.igdstream.app.console.TrainerProgress;
import io.igdstream.app.roles.MetricsServer;
import io.igdstream.app.roles.TopicSetup;
import io.igdstream.app.roles.TrainerRole;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.kafka.AccessTable;
import io.igdstream.trainer.KafkaTrainer;
import io.igdstream.trainer.TrainerMetrics;
import io.igdstream.trainer.TrainingSplit;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code igd train}: the Kafka-fed IGD trainer. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    header = "Kafka-fed IGD trainer: NS.train.adversarial -> NS.snapshots.",
    description =
        "The Kafka-fed IGD trainer: NS.train.adversarial -> IGD steps -> NS.snapshots; resumes from --out.")
public final class TrainCommand implements Callable<Integer> {

  @Mixin StreamOptions stream;

  @Option(names = "--model", description = "small-cnn | preact-resnet18 (default: by image size).")
  String model;

  @Option(
      names = "--epochs",
      description = "Passes over the training split (igd.train.epochs); augment must use the same.")
  Integer epochs;

  @Option(
      names = "--device",
      defaultValue = "auto",
      description = "auto | cpu | gpu (default: ${DEFAULT-VALUE}).")
  String device;

  @Mixin RunDirectoryOption runDirectory;

  @Override
  public Integer call() throws Exception {
    Log log = Log.stderr();
    stream.validate();
    Devices.check(device);
    Map<String, Object> overrides = new LinkedHashMap<>();
    if (epochs != null) {
      overrides.put("igd.train.epochs", epochs);
    }
    Config config = stream.config(overrides);
    OutputDirectory.prepare(runDirectory.dir());
    KafkaSettings kafka = StreamOptions.kafka(config);
    TopicNames topics = stream.topics();
    try (MetricsServer metrics = stream.metricsServer()) {
      TopicSetup.ensure(kafka, config, topics, AccessTable.Role.TRAINER);
      TrainingSplit split = TrainingSplit.read(kafka, topics.samples(), Duration.ofMinutes(5));
      TrainerProgress progress = new TrainerProgress(split.samples(), log);
      Architecture architecture =
          model == null
              ? Architecture.defaultFor(
                  split.spec().channels(), split.spec().height(), split.spec().width())
              : Architecture.of(model);
      KafkaTrainer trainer =
          TrainerRole.create(
              config,
              kafka,
              topics,
              architecture,
              split,
              runDirectory.dir(),
              new TrainerMetrics(metrics.registry()),
              progress,
              log);
      // Ctrl-C / SIGTERM: the trainer stops after its step and checkpoints; the hook waits for
      // that, since the JVM does not wait for the main thread.
      CountDownLatch finished = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    trainer.stop();
                    try {
                      finished.await(2, TimeUnit.MINUTES);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  },
                  "igd-trainer-stop"));
      Classifier student;
      try {
        student = trainer.run();
      } finally {
        progress.close();
        finished.countDown();
      }
      TrainerRole.save(student, runDirectory.dir().resolve("model.safetensors"), split, log);
      KafkaTrainer.Result r = trainer.result();
      System.out.printf(
          Locale.ROOT,
          "trainer: %d steps, %d records trained, %d duplicates, %d stale, %d dead letters, snapshot v%d%n",
          r.steps(),
          r.trained(),
          r.duplicates(),
          r.stale(),
          r.deadLetters(),
          r.version());
      GradientThread.shared()
          .call(
              () -> {
                student.close();
                return null;
              });
    }
    return ExitCode.OK;
  }
}
