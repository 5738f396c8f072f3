package io.igdstream.app.cli;

import com.typesafe.config.Config;
import io.igdstream.app.console.Log;
import io.igdstream.app.console.Progress;
import io.igdstream.app.console.SuiteProgress;
import io.igdstream.app.console.TrainingProgress;
import io.igdstream.app.report.ReportFiles;
import io.igdstream.app.roles.ActorSystems;
import io.igdstream.app.roles.AugmentRole;
import io.igdstream.app.roles.CorruptRole;
import io.igdstream.app.roles.EvaluatorRole;
import io.igdstream.app.roles.IngestRole;
import io.igdstream.app.roles.MetricsServer;
import io.igdstream.app.roles.TeacherModel;
import io.igdstream.app.roles.TopicSetup;
import io.igdstream.app.roles.TrainerRole;
import io.igdstream.core.attack.AutoAttackResult;
import io.igdstream.core.data.Dataset;
import io.igdstream.core.data.DatasetSplits;
import io.igdstream.core.eval.ModelResult;
import io.igdstream.core.eval.RobustnessReport;
import io.igdstream.core.eval.RobustnessSuite;
import io.igdstream.core.eval.SuiteTest;
import io.igdstream.core.io.CheckpointDirectory;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import io.igdstream.core.train.LocalTrainer;
import io.igdstream.core.train.TrainSettings;
import io.igdstream.core.train.TrainingMethod;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.augment.AugmentStage;
import io.igdstream.streams.corrupt.CorruptSettings;
import io.igdstream.streams.evaluate.EvaluateSettings;
import io.igdstream.streams.evaluate.Evaluation;
import io.igdstream.streams.evaluate.EvaluatorStream;
import io.igdstream.streams.ingest.TopicDataset;
import io.igdstream.streams.kafka.AccessTable;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import io.igdstream.streams.metrics.StreamMetrics;
import io.igdstream.streams.snapshot.SnapshotFollower;
import io.igdstream.trainer.KafkaTrainer;
import io.igdstream.trainer.TrainerMetrics;
import io.igdstream.trainer.TrainingSplit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.ActorSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code igd pipeline}: the whole system in one JVM — embedded broker (unless --bootstrap-servers),
 * ingest, teacher, corrupt, augment, trainer, evaluator, metrics endpoint — with progress lines
 * and, at the end, the final report under {@code --out}. Every role runs as in its own command and
 * shares the one gradient thread of the JVM (docs/STACK.md). Rerunning the same command resumes:
 * the broker keeps its data under --out, ingest skips what is there, the teacher and trainer
 * restore their newest checkpoints, augment continues its epoch's committed pass.
 */
@Command(
    name = "pipeline",
    mixinStandardHelpOptions = true,
    header = "The whole system in one JVM, then the final report under --out.",
    description =
        "The whole system on one machine: embedded Kafka broker, ingest, teacher, augment, corrupt, trainer, evaluator, "
            + "metrics endpoint; writes the final report (report.json, report.md, plots) under --out. Rerun to resume.")
public final class PipelineCommand implements Callable<Integer> {

  @Mixin DataOptions data;

  @Mixin StreamOptions stream;

  @Option(
      names = "--out",
      defaultValue = "runs/pipeline",
      description = "Run directory (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = "--profile",
      defaultValue = "quick",
      description =
          "quick: ~15 min on 2 cores (training subset, few epochs); full: the whole training set, paper-length (default: ${DEFAULT-VALUE}).")
  String profile;

  @Option(
      names = "--teacher",
      description = "A NAT teacher model file; without it the pipeline trains one first.")
  Path teacher;

  @Option(names = "--model", description = "small-cnn | preact-resnet18 (default: by image size).")
  String model;

  @Option(names = "--epochs", description = "IGD epochs (default: by profile).")
  Integer epochs;

  @Option(
      names = "--teacher-epochs",
      description = "NAT teacher epochs when no --teacher is given (default: by profile).")
  Integer teacherEpochs;

  @Option(
      names = "--train-limit",
      description = "Use the first N training images (default: by profile; 0 = all).")
  Integer trainLimit;

  @Option(
      names = "--test-limit",
      description = "Evaluate on the first N test images (default: by profile; 0 = all).")
  Integer testLimit;

  @Option(
      names = "--evaluate-every",
      description =
          "Evaluate every k-th snapshot while training (default: by profile); the final one always.")
  Integer evaluateEvery;

  @Option(
      names = "--progress-every",
      defaultValue = "15",
      description = "Seconds between progress lines (default: ${DEFAULT-VALUE}).")
  int progressEvery;

  /** The defaults of a profile. */
  record Profile(
      int epochs,
      int teacherEpochs,
      int trainLimit,
      int testLimit,
      int evaluateEvery,
      int autoAttackLimit) {
    static Profile of(String name) {
      // quick: AutoAttack (apgd) on 500 of the 1,000 test images, run for the final snapshot and
      // for teacher and student in the final report, keeps the run within its 15 minutes
      return switch (name) {
        case "quick" -> new Profile(3, 2, 20_000, 1_000, 4, 500);
        case "full" -> new Profile(10, 10, 0, 0, 10, 0);
        default ->
            throw new BadInputException("--profile must be quick or full, was '" + name + "'");
      };
    }
  }

  @Override
  public Integer call() throws Exception {
    Log log = Log.stderr();
    // Validate everything before any work.
    stream.validate();
    Profile p = Profile.of(profile);
    int igdEpochs = epochs != null ? epochs : p.epochs();
    int natEpochs = teacherEpochs != null ? teacherEpochs : p.teacherEpochs();
    int trainN = trainLimit != null ? trainLimit : p.trainLimit();
    int testN = testLimit != null ? testLimit : p.testLimit();
    if (igdEpochs < 1 || natEpochs < 1) {
      throw new BadInputException("--epochs and --teacher-epochs must be >= 1");
    }
    if (trainN < 0 || testN < 0) {
      throw new BadInputException("--train-limit and --test-limit must be >= 0");
    }
    int evalEvery = evaluateEvery != null ? evaluateEvery : p.evaluateEvery();
    if (evalEvery < 1) {
      throw new BadInputException("--evaluate-every must be >= 1, was " + evalEvery);
    }
    if (progressEvery < 1) {
      throw new BadInputException("--progress-every must be >= 1, was " + progressEvery);
    }
    Map<String, Object> overrides = new LinkedHashMap<>();
    overrides.put("igd.train.epochs", igdEpochs);
    overrides.put("igd.evaluate.every", evalEvery);
    overrides.put("igd.evaluate.test-limit", testN);
    Config config = stream.config(overrides);
    if (config.getInt("igd.evaluate.autoattack.limit") == 0 && p.autoAttackLimit() > 0) {
      // the profile's AutoAttack limit, unless --config set one
      overrides.put("igd.evaluate.autoattack.limit", p.autoAttackLimit());
      config = stream.config(overrides);
    }
    EvaluateSettings evaluateSettings = EvaluateSettings.fromConfig(config);
    CorruptSettings.fromConfig(config); // validated before any work
    TrainSettings igdSettings = TrainSettings.fromConfig(config);
    if (teacher != null && !Files.isRegularFile(teacher)) {
      throw new BadInputException("--teacher " + teacher + " does not exist");
    }
    OutputDirectory.prepare(out);
    // --dataset topic: the records on NS.samples are the dataset, read once the broker is up
    DatasetSplits files = data.fromTopic() ? null : data.load(log);
    TopicNames topics = stream.topics();
    long started = System.nanoTime();

    try (MetricsServer metrics = stream.metricsServer();
        EmbeddedKafkaBroker broker = stream.bootstrapServers == null ? startBroker(log) : null) {
      KafkaSettings kafka = StreamOptions.kafka(config);
      if (broker != null) {
        kafka = kafka.withBootstrapServers(broker.bootstrapServers());
      }
      final KafkaSettings kafkaSettings = kafka;
      if (metrics.port() > 0) {
        log.info("metrics: http://127.0.0.1:" + metrics.port() + "/metrics");
      }
      DatasetSplits splits = files != null ? files : fromTopic(kafkaSettings, config, topics, log);
      Dataset train =
          trainN == 0
              ? splits.train()
              : splits.train().limit(Math.min(trainN, splits.train().size()));
      Dataset test =
          testN == 0 ? splits.test() : splits.test().limit(Math.min(testN, splits.test().size()));
      Architecture architecture =
          model == null
              ? Architecture.defaultFor(train.channels(), train.height(), train.width())
              : Architecture.of(model);
      architecture.checkFits(train.channels(), train.height(), train.width());
      log.info(
          String.format(
              Locale.ROOT,
              "pipeline (%s profile): %s, %d train / %d test images, %s, NAT teacher %s, IGD %d epochs, topics %s.*",
              profile,
              data.dataset,
              train.size(),
              test.size(),
              architecture.id(),
              teacher == null ? natEpochs + " epochs" : teacher.toString(),
              igdEpochs,
              topics.prefix()));
      StreamMetrics streamMetrics = new StreamMetrics(metrics.registry());
      if (files != null) {
        IngestRole.run(
            kafkaSettings, config, topics, data.dataset, train, test, streamMetrics, log);
      }

      Classifier teacherModel =
          teacher != null
              ? TeacherModel.load(teacher, train)
              : trainTeacher(config, architecture, train, natEpochs, log);
      ActorSystem system = ActorSystems.start(config);
      List<AutoCloseable> running = new ArrayList<>();
      try {
        String modelId = config.getString("igd.trainer.model-id");
        SnapshotFollower augmentFollower =
            AugmentRole.follower(kafkaSettings, topics, config, streamMetrics);
        running.add(augmentFollower);
        var corrupt = CorruptRole.start(system, kafkaSettings, topics, config, streamMetrics);
        running.add(
            () -> corrupt.drainAndShutdown(system.dispatcher()).toCompletableFuture().get());
        EvaluatorStream evaluate =
            EvaluatorRole.start(
                system, kafkaSettings, topics, config, streamMetrics, metrics.registry(), log);
        running.add(() -> evaluate.stop().toCompletableFuture().get());

        TrainingSplit split =
            TrainingSplit.read(kafkaSettings, topics.samples(), Duration.ofMinutes(5));
        AtomicReference<KafkaTrainer.Progress> lastStep = new AtomicReference<>();
        KafkaTrainer trainer =
            TrainerRole.create(
                config,
                kafkaSettings,
                topics,
                architecture,
                split,
                out.resolve("trainer"),
                new TrainerMetrics(metrics.registry()),
                new KafkaTrainer.Listener() {
                  // the pipeline's status line shows the trainer's progress
                  @Override
                  public void onStep(KafkaTrainer.Progress p) {
                    lastStep.set(p);
                  }

                  @Override
                  public void onMessage(String message) {
                    log.info(message);
                  }
                },
                log);
        CompletableFuture<Classifier> trained = new CompletableFuture<>();
        Thread trainerThread =
            new Thread(
                () -> {
                  try {
                    trained.complete(trainer.run());
                  } catch (Throwable t) {
                    trained.completeExceptionally(t);
                  }
                },
                "igd-trainer");
        trainerThread.setDaemon(true);
        trainerThread.start();
        AugmentStage augment =
            AugmentRole.start(
                system,
                kafkaSettings,
                topics,
                config,
                teacherModel,
                augmentFollower,
                streamMetrics,
                log);

        // started at the first step: what a resumed run restored is no progress of this run
        Progress status = null;
        try {
          while (!trained.isDone()) {
            Thread.sleep(200);
            KafkaTrainer.Progress step = lastStep.get();
            if (step != null) {
              if (status == null) {
                status =
                    Progress.lines(
                        "pipeline: trained",
                        (long) split.samples() * igdSettings.epochs(),
                        step.trained(),
                        "records",
                        log,
                        Duration.ofSeconds(progressEvery));
              }
              KafkaTrainer.Result t = trainer.result();
              status.stepTo(
                  t.trained(),
                  statusLine(started, augment.status(), t, step, evaluate, streamMetrics));
            }
            if (augment.done().toCompletableFuture().isCompletedExceptionally()) {
              augment.done().toCompletableFuture().get();
            }
          }
        } finally {
          if (status != null) {
            status.close();
          }
        }
        Classifier student = trained.get();
        log.info("trainer done: " + trainer.result());
        augment.stop();
        augment.done().toCompletableFuture().get();
        TrainerRole.save(student, out.resolve("model.safetensors"), split, log);
        long finalVersion = trainer.result().version();
        log.info("waiting for the evaluator's report of the final snapshot v" + finalVersion);
        Evaluation last = evaluate.report(finalVersion).get();
        var r = last.result();
        log.info(
            String.format(
                Locale.ROOT,
                "published %s/%d to %s: clean %.4f, pgd-20 %s",
                modelId,
                finalVersion,
                topics.reports(),
                r.cleanAccuracy(),
                r.pgd20Accuracy() == null
                    ? "n/a"
                    : String.format(Locale.ROOT, "%.4f", r.pgd20Accuracy())));
        // The report files put the teacher beside the student, as `igd eval` does for two models.
        Path reportDir = out.resolve("report");
        Files.createDirectories(reportDir);
        RobustnessReport both =
            sideBySide(evaluateSettings, config, test, teacherModel, student, modelId, log);
        ReportFiles.writeAll(both, reportDir);
        saveMetrics(metrics, reportDir.resolve("metrics.prom"), log);
        GradientThread.shared()
            .call(
                () -> {
                  student.close();
                  return null;
                });
        for (ModelResult m : both.models()) {
          System.out.printf(
              Locale.ROOT,
              "pipeline: %-22s clean accuracy %.4f, pgd-20 accuracy %.4f%s, gini %.3f on %d test images%n",
              m.modelId() + " (" + m.method() + ")",
              m.cleanAccuracy(),
              m.pgd20Accuracy(),
              autoAttackSummary(m),
              m.giniPixel() == null ? Double.NaN : m.giniPixel(),
              both.samples());
        }
        System.out.println("pipeline: report in " + reportDir);
      } finally {
        for (int i = running.size() - 1; i >= 0; i--) {
          running.get(i).close();
        }
        ActorSystems.stop(system);
        GradientThread.shared()
            .call(
                () -> {
                  teacherModel.close();
                  return null;
                });
      }
    }
    log.info(
        String.format(
            Locale.ROOT,
            "pipeline done in %.1f min; results in %s",
            (System.nanoTime() - started) / 60e9,
            out));
    return ExitCode.OK;
  }

  private EmbeddedKafkaBroker startBroker(Log log) throws Exception {
    long t0 = System.nanoTime();
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(out.resolve("kafka"), 0);
    log.info(
        String.format(
            Locale.ROOT,
            "embedded broker up at %s in %.1f s (data in %s)",
            broker.bootstrapServers(),
            (System.nanoTime() - t0) / 1e9,
            broker.dataDir()));
    return broker;
  }

  /** The dataset {@code NS.samples} holds; disagreeing records go to {@code NS.dlq}. */
  private static DatasetSplits fromTopic(
      KafkaSettings kafka, Config config, TopicNames topics, Log log) throws InterruptedException {
    TopicSetup.ensure(kafka, config, topics, AccessTable.Role.EVALUATE);
    TopicDataset.Loaded loaded = TopicDataset.load(kafka, topics, Duration.ofMinutes(5));
    Dataset train = loaded.splits().train();
    log.info(
        String.format(
            Locale.ROOT,
            "dataset from %s: %s, %d train / %d test images of %s, classes %s; %d records to %s",
            topics.samples(),
            train.name(),
            train.size(),
            loaded.splits().test().size(),
            train.shape(),
            train.classes(),
            loaded.deadLettered(),
            topics.dlq()));
    return loaded.splits();
  }

  /**
   * The NAT teacher: trained in-process (resuming from its checkpoints) unless its model file is
   * there.
   */
  private Classifier trainTeacher(
      Config config, Architecture architecture, Dataset train, int natEpochs, Log log) {
    Path dir = out.resolve("teacher");
    Path file = dir.resolve("model.safetensors");
    if (Files.isRegularFile(file)) {
      log.info("teacher: using " + file);
      return TeacherModel.load(file);
    }
    Map<String, Object> natOverrides = new LinkedHashMap<>();
    natOverrides.put("igd.train.method", TrainingMethod.NAT.id());
    natOverrides.put("igd.train.epochs", natEpochs);
    TrainSettings nat = TrainSettings.fromConfig(stream.config(natOverrides));
    CheckpointDirectory checkpoints =
        new CheckpointDirectory(dir.resolve("checkpoints"), nat.keepCheckpoints());
    Map<String, String> runMetadata =
        Map.of("dataset", data.dataset, "train_limit", Integer.toString(train.size()));
    Classifier model =
        GradientThread.shared()
            .call(
                () -> {
                  try (TrainingProgress listener = new TrainingProgress("teacher (nat)", log)) {
                    return new LocalTrainer(
                            nat, architecture, train, null, checkpoints, runMetadata, listener)
                        .run();
                  }
                });
    GradientThread.shared()
        .call(
            () -> {
              Map<String, String> meta = new LinkedHashMap<>(runMetadata);
              meta.put("method", "nat");
              model.toModelFile(meta).write(file);
              model.freeze();
              return null;
            });
    log.info("teacher: saved " + file);
    return model;
  }

  /**
   * The final report of the teacher and the trained student, every test, side by side; AutoAttack
   * too (beside PGD-20) unless {@code igd.evaluate.autoattack.on} is off, as for a final snapshot.
   */
  private RobustnessReport sideBySide(
      EvaluateSettings settings,
      Config config,
      Dataset test,
      Classifier teacherModel,
      Classifier student,
      String modelId,
      Log log) {
    Set<SuiteTest> tests = EnumSet.copyOf(settings.testsFor(FINAL_REPORT, true));
    tests.add(SuiteTest.PGD);
    tests.add(SuiteTest.GINI);
    RobustnessReport report =
        sideBySide(tests, settings, config, test, teacherModel, student, modelId, log);
    if (report.subsetEmpty()) {
      log.info(
          "no test image is classified correctly by both models: the final report has clean and PGD-20 only");
    }
    return report;
  }

  private RobustnessReport sideBySide(
      Set<SuiteTest> tests,
      EvaluateSettings settings,
      Config config,
      Dataset test,
      Classifier teacherModel,
      Classifier student,
      String modelId,
      Log log) {
    RobustnessSuite suite =
        new RobustnessSuite(
            new RobustnessSuite.Settings(
                tests,
                settings.batchSize(),
                settings.seed(),
                settings.attack(config).apply(test.channels()),
                8,
                settings.autoAttack().suite(settings.batchSize())));
    try (SuiteProgress progress =
        new SuiteProgress("final report", List.of("teacher", modelId), log)) {
      return GradientThread.shared()
          .call(
              () ->
                  suite.run(
                      data.dataset,
                      test,
                      List.of(
                          new RobustnessSuite.Entry("teacher", "nat", teacherModel),
                          new RobustnessSuite.Entry(modelId, "igd", student)),
                      progress));
    }
  }

  /**
   * {@code , autoattack apgd (linf, eps 0.1, 1000 images) 0.6120}, as igd eval prints it; empty if
   * not run.
   */
  static String autoAttackSummary(ModelResult m) {
    AutoAttackResult aa = m.autoAttack();
    if (aa == null) {
      return "";
    }
    return String.format(
        Locale.ROOT,
        ", autoattack %s (%s, eps %s, %d images) %.4f",
        aa.version(),
        aa.norm().key(),
        ReportFiles.formatEps(aa.eps()),
        aa.points(),
        aa.robustAccuracy());
  }

  /** The final report's version for {@code igd.evaluate.autoattack.on}: final, so every-k too. */
  private static final long FINAL_REPORT = -1;

  /** Saves what the metrics endpoint serves now (fetched over HTTP, as Prometheus would). */
  private static void saveMetrics(MetricsServer metrics, Path file, Log log) {
    if (metrics.port() < 0) {
      return;
    }
    try {
      var client = java.net.http.HttpClient.newHttpClient();
      var response =
          client.send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create("http://127.0.0.1:" + metrics.port() + "/metrics"))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      Files.writeString(file, response.body());
    } catch (Exception e) {
      log.info("could not save the final metrics: " + e.getMessage());
    }
  }

  /** What the roles are at, after the trainer's figures in the status line. */
  private static String statusLine(
      long started,
      AugmentStage.Status a,
      KafkaTrainer.Result t,
      KafkaTrainer.Progress step,
      EvaluatorStream evaluate,
      StreamMetrics streams) {
    String eval =
        evaluate
            .latest()
            .map(
                e ->
                    String.format(
                        Locale.ROOT,
                        "eval v%d clean %.1f%% pgd-20 %s",
                        e.version(),
                        100 * e.result().cleanAccuracy(),
                        e.result().pgd20Accuracy() == null
                            ? "n/a"
                            : String.format(
                                Locale.ROOT, "%.1f%%", 100 * e.result().pgd20Accuracy())))
            .orElse("eval pending");
    return String.format(
        Locale.ROOT,
        "%.1f min | augment epoch %d/%d, %d made, lag %d | trainer step %d, v%d, %s, %d dup, %d stale | %s | dlq %d",
        (System.nanoTime() - started) / 60e9,
        Math.min(a.epoch() + 1, a.epochs()),
        a.epochs(),
        a.produced(),
        a.lag(),
        t.steps(),
        t.version(),
        TrainingProgress.terms(step.terms()),
        t.duplicates(),
        t.stale(),
        eval,
        streams.deadLetters("augment")
            + streams.deadLetters("corrupt")
            + streams.deadLetters("evaluate")
            + t.deadLetters());
  }
}
