package io.igdstream.app;

import com.typesafe.config.Config;
import io.igdstream.app.console.Log;
import io.igdstream.app.console.TrainingProgress;
import io.igdstream.core.io.CheckpointDirectory;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import io.igdstream.core.train.TrainSettings;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.trainer.KafkaTrainer;
import io.igdstream.trainer.TrainerMetrics;
import io.igdstream.trainer.TrainerSettings;
import io.igdstream.trainer.TrainingSplit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code igd train}: the Kafka-fed IGD trainer. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description =
        "The Kafka-fed IGD trainer: NS.train.adversarial -> IGD steps -> NS.snapshots; resumes from --out.")
final class TrainCommand implements Callable<Integer> {

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

  @Option(
      names = "--out",
      required = true,
      description = "Run directory: checkpoints/, model.safetensors.")
  Path out;

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
    OutputDirectory.prepare(out);
    KafkaSettings kafka = StreamOptions.kafka(config);
    TopicNames topics = stream.topics();
    try (MetricsServer metrics = stream.metricsServer()) {
      Roles.ensureTopics(kafka, config, topics);
      TrainingSplit split = TrainingSplit.read(kafka, topics.samples(), Duration.ofMinutes(5));
      Architecture architecture =
          model == null
              ? Architecture.defaultFor(
                  split.spec().channels(), split.spec().height(), split.spec().width())
              : Architecture.of(model);
      KafkaTrainer trainer =
          create(
              config,
              kafka,
              topics,
              architecture,
              split,
              out,
              new TrainerMetrics(metrics.registry()),
              log);
      // Ctrl-C / SIGTERM: the trainer stops after its step and checkpoints; the hook waits for
      // that,
      // since the JVM does not wait for the main thread.
      java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    trainer.stop();
                    try {
                      finished.await(2, java.util.concurrent.TimeUnit.MINUTES);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  },
                  "igd-trainer-stop"));
      Classifier student;
      try {
        student = trainer.run();
      } finally {
        finished.countDown();
      }
      save(student, out.resolve("model.safetensors"), split, log);
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
    return 0;
  }

  static KafkaTrainer create(
      Config config,
      KafkaSettings kafka,
      TopicNames topics,
      Architecture architecture,
      TrainingSplit split,
      Path out,
      TrainerMetrics metrics,
      Log log) {
    TrainerSettings settings = TrainerSettings.fromConfig(config);
    TrainSettings train = TrainSettings.fromConfig(config);
    log.info(
        String.format(
            Locale.ROOT,
            "trainer: %d training samples of %s (%s), %s, %d epochs, batch %d, lambda %.2f, snapshot every %d steps",
            split.samples(),
            split.dataset(),
            split.spec(),
            architecture.id(),
            train.epochs(),
            train.batchSize(),
            train.igd().lambda(),
            settings.snapshotEvery()));
    return new KafkaTrainer(
        settings,
        train,
        kafka,
        topics,
        architecture,
        split,
        new CheckpointDirectory(out.resolve("checkpoints"), settings.keepCheckpoints()),
        metrics,
        new KafkaTrainer.Listener() {
          private long lastLine = System.nanoTime();
          private long lastTrained = -1;

          @Override
          public void onStep(KafkaTrainer.Progress p) {
            long now = System.nanoTime();
            if (now - lastLine < 10_000_000_000L) {
              return;
            }
            double rate =
                lastTrained < 0
                    ? Double.NaN
                    : (p.trained() - lastTrained) / ((now - lastLine) / 1e9);
            long total = (long) split.samples() * p.epochs();
            log.info(
                String.format(
                    Locale.ROOT,
                    "trainer: step %d/%d, v%d, epoch %d/%d, %d/%d trained (%.0f/s, ETA %s), %s, lr %.3g, %d dup, %d stale (max %d)",
                    p.step(),
                    p.totalSteps(),
                    p.version(),
                    Math.min(p.epoch() + 1, p.epochs()),
                    p.epochs(),
                    p.trained(),
                    total,
                    rate,
                    Double.isNaN(rate) || rate <= 0
                        ? "?"
                        : String.format(Locale.ROOT, "%.1f min", (total - p.trained()) / rate / 60),
                    TrainingProgress.terms(p.terms()),
                    p.learningRate(),
                    p.duplicates(),
                    p.stale(),
                    p.maxStaleness()));
            lastLine = now;
            lastTrained = p.trained();
          }

          @Override
          public void onMessage(String message) {
            log.info(message);
          }
        });
  }

  static void save(Classifier student, Path file, TrainingSplit split, Log log) {
    GradientThread.shared()
        .call(
            () -> {
              student.toModelFile(Map.of("method", "igd", "dataset", split.dataset())).write(file);
              return null;
            });
    log.info("saved " + file);
  }
}
