package io.igdstream.app.cli;

import com.typesafe.config.Config;
import io.igdstream.app.console.Log;
import io.igdstream.app.console.SuiteProgress;
import io.igdstream.app.console.TrainingProgress;
import io.igdstream.app.report.Json;
import io.igdstream.core.attack.AutoAttackResult;
import io.igdstream.core.attack.AutoAttackVersion;
import io.igdstream.core.attack.Norm;
import io.igdstream.core.data.Dataset;
import io.igdstream.core.data.DatasetSplits;
import io.igdstream.core.eval.AutoAttackSettings;
import io.igdstream.core.eval.ModelResult;
import io.igdstream.core.eval.RobustnessReport;
import io.igdstream.core.eval.RobustnessSuite;
import io.igdstream.core.eval.SuiteTest;
import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.io.CheckpointDirectory;
import io.igdstream.core.io.ModelFiles;
import io.igdstream.core.io.ModelFiles.InputShape;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.train.LocalTrainer;
import io.igdstream.core.train.TrainSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code igd train-local}: in-process training without Kafka, then clean and PGD-20 accuracy. */
@Command(
    name = "train-local",
    mixinStandardHelpOptions = true,
    header = "Train in-process, no Kafka; then clean and PGD-20 accuracy.",
    description =
        "Train in-process (nat | pgdat | igd | trades | trades-igd), no Kafka; resumes from --out.")
public final class TrainLocalCommand implements Callable<Integer> {

  @Mixin DataOptions data;

  @Option(
      names = "--method",
      description = "nat | pgdat | igd | trades | trades-igd (igd.train.method).")
  String method;

  @Option(names = "--model", description = "small-cnn | preact-resnet18 (default: by image size).")
  String model;

  @Option(names = "--epochs", description = "Passes over the training set (igd.train.epochs).")
  Integer epochs;

  @Option(names = "--batch-size", description = "Images per step (igd.train.batch-size).")
  Integer batchSize;

  @Option(names = "--lr", description = "Base learning rate (igd.train.learning-rate).")
  Double learningRate;

  @Option(names = "--train-limit", description = "Train on the first N training images only.")
  Integer trainLimit;

  @Option(names = "--eval-limit", description = "Evaluate on the first N test images only.")
  Integer evalLimit;

  @Option(
      names = "--teacher",
      description =
          "The frozen NAT teacher for igd and trades-igd: an igd model or checkpoint file, or a"
              + " PyTorch state_dict safetensors file.")
  Path teacher;

  @Option(
      names = "--init",
      paramLabel = "FILE",
      description =
          "Start from these weights (an igd model file or a PyTorch state_dict safetensors file,"
              + " e.g. to fine-tune a PyTorch-trained model); the model comes from the file.")
  Path init;

  @Option(
      names = "--final-eval",
      defaultValue = "pgd",
      description = "pgd (default: clean and PGD-20 accuracy) or autoattack (adds AutoAttack).")
  String finalEval;

  @Option(
      names = "--autoattack-version",
      description = "standard (default) or apgd, for --final-eval autoattack.")
  String autoAttackVersion;

  @Option(names = "--lambda", description = "Weight of the IGD term (igd.igd.lambda).")
  Double lambda;

  @Option(names = "--seed", description = "Seed of every random draw (igd.train.seed).")
  Long seed;

  @Mixin ConfigOption config;

  /** Training wall time of the run, resumed parts included (set by {@link #train}). */
  private double trainSeconds;

  @Mixin RunDirectoryOption runDirectory;

  @Override
  public Integer call() throws Exception {
    Log log = Log.stderr();
    // Validate everything before any work.
    Map<String, Object> overrides = new LinkedHashMap<>();
    putIf(overrides, "igd.train.method", method);
    putIf(overrides, "igd.train.epochs", epochs);
    putIf(overrides, "igd.train.batch-size", batchSize);
    putIf(overrides, "igd.train.learning-rate", learningRate);
    putIf(overrides, "igd.train.seed", seed);
    putIf(overrides, "igd.igd.lambda", lambda);
    Config conf = config.load(overrides);
    TrainSettings settings = TrainSettings.fromConfig(conf);
    if (trainLimit != null && trainLimit < 1) {
      throw new BadInputException("--train-limit must be >= 1, was " + trainLimit);
    }
    if (evalLimit != null && evalLimit < 1) {
      throw new BadInputException("--eval-limit must be >= 1, was " + evalLimit);
    }
    if (settings.method().needsTeacher() && teacher == null) {
      throw new BadInputException(
          "--method "
              + settings.method().id()
              + " needs --teacher MODEL (train one with --method nat)");
    }
    if (teacher != null && !Files.isRegularFile(teacher)) {
      throw new BadInputException("--teacher " + teacher + " does not exist");
    }
    if (init != null && !Files.isRegularFile(init)) {
      throw new BadInputException("--init " + init + " does not exist");
    }
    AutoAttackSettings autoAttack = finalAutoAttack();
    OutputDirectory.prepare(runDirectory.dir());

    DatasetSplits splits = data.load(log);
    Dataset train = trainLimit == null ? splits.train() : splits.train().limit(trainLimit);
    Dataset test = evalLimit == null ? splits.test() : splits.test().limit(evalLimit);
    InputShape dataShape = new InputShape(train.channels(), train.height(), train.width());
    // Either file may be a PyTorch state_dict: the dataset's shape fills in what it cannot tell.
    Checkpoint teacherFile = teacher == null ? null : modelFile("--teacher", teacher, null, train);
    Checkpoint initFile = init == null ? null : modelFile("--init", init, model, train);
    Architecture architecture =
        initFile != null
            ? Architecture.of(initFile.require("architecture"))
            : model == null
                ? Architecture.defaultFor(
                    dataShape.channels(), dataShape.height(), dataShape.width())
                : Architecture.of(model);
    architecture.checkFits(train.channels(), train.height(), train.width());
    log.info(
        String.format(
            Locale.ROOT,
            "%s: %d training, %d test images of %s, %d classes; model %s; method %s",
            data.dataset,
            train.size(),
            test.size(),
            train.shape(),
            train.classCount(),
            architecture.id(),
            settings.method().id()));

    Map<String, String> runMetadata = new LinkedHashMap<>();
    runMetadata.put("dataset", data.dataset);
    runMetadata.put("class_names", Json.write(train.classes()));
    runMetadata.put("train_limit", Integer.toString(train.size()));
    if (init != null) {
      runMetadata.put("init", init.toString());
    }

    Classifier teacherModel = teacherFile == null ? null : Classifier.load(teacherFile);
    if (teacherModel != null) {
      teacherModel.freeze();
    }
    try (Classifier student =
        train(settings, architecture, train, teacherModel, initFile, runMetadata, log)) {
      Map<String, String> meta = new LinkedHashMap<>(runMetadata);
      meta.put("method", settings.method().id());
      meta.put("seed", Long.toString(settings.seed()));
      meta.put("epochs", Integer.toString(settings.epochs()));
      Path modelFile = runDirectory.dir().resolve("model.safetensors");
      student.toModelFile(meta).write(modelFile);
      log.info("saved " + modelFile);

      long evalStarted = System.nanoTime();
      ModelResult report =
          evaluate(student, data.dataset, test, settings.method().id(), settings, autoAttack, log);
      double eps = settings.attack(train.channels(), settings.attackConfig().evalSteps()).eps();
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("method", settings.method().id());
      summary.put("dataset", data.dataset);
      summary.put("model", architecture.id());
      summary.put("epochs", settings.epochs());
      summary.put("seed", settings.seed());
      summary.put("train_limit", train.size());
      summary.put("eval_limit", test.size());
      summary.put("clean_accuracy", report.cleanAccuracy());
      summary.put("pgd20_accuracy", report.pgd20Accuracy());
      summary.put("attack", "pgd-" + settings.attackConfig().evalSteps());
      summary.put("eps", eps);
      summary.put("lambda", settings.method().needsTeacher() ? settings.igd().lambda() : null);
      summary.put("teacher", teacher == null ? null : teacher.toString());
      summary.put("init", init == null ? null : init.toString());
      summary.put("final_eval", autoAttack == null ? "pgd" : "autoattack");
      AutoAttackResult aa = report.autoAttack();
      if (aa != null) {
        summary.put("autoattack_accuracy", aa.robustAccuracy());
        summary.put("autoattack_version", aa.version());
        summary.put("autoattack_norm", aa.norm().key());
        summary.put("autoattack_eps", aa.eps());
        summary.put("autoattack_points", aa.points());
      }
      summary.put("train_seconds", trainSeconds);
      summary.put("eval_seconds", (System.nanoTime() - evalStarted) / 1e9);
      Json.writeFile(runDirectory.dir().resolve("summary.json"), summary);
      System.out.printf(
          Locale.ROOT,
          "%s %s: clean accuracy %.4f, pgd-%d accuracy %.4f (eps %.4f) on %d test images%n",
          settings.method().id(),
          data.dataset,
          report.cleanAccuracy(),
          settings.attackConfig().evalSteps(),
          report.pgd20Accuracy(),
          eps,
          test.size());
      if (aa != null) {
        System.out.printf(
            Locale.ROOT,
            "%s %s: autoattack %s accuracy %.4f (%s, eps %.4f) on %d test images%n",
            settings.method().id(),
            data.dataset,
            aa.version(),
            aa.robustAccuracy(),
            aa.norm().key(),
            aa.eps(),
            aa.points());
      }
      return ExitCode.OK;
    } finally {
      if (teacherModel != null) {
        teacherModel.close();
      }
    }
  }

  private Classifier train(
      TrainSettings settings,
      Architecture architecture,
      Dataset train,
      Classifier teacherModel,
      Checkpoint initFile,
      Map<String, String> runMetadata,
      Log log) {
    CheckpointDirectory checkpoints =
        new CheckpointDirectory(
            runDirectory.dir().resolve("checkpoints"), settings.keepCheckpoints());
    try (TrainingProgress listener = new TrainingProgress("train " + settings.method().id(), log)) {
      LocalTrainer trainer =
          new LocalTrainer(
              settings,
              architecture,
              train,
              teacherModel,
              checkpoints,
              runMetadata,
              listener,
              initFile == null ? null : initFile.model());
      Classifier student = trainer.run();
      trainSeconds = trainer.trainSeconds();
      return student;
    }
  }

  /** The model in {@code file}, checked against the dataset's image shape and classes. */
  private static Checkpoint modelFile(String option, Path file, String modelHint, Dataset train) {
    InputShape shape = new InputShape(train.channels(), train.height(), train.width());
    Checkpoint c = ModelFiles.read(file, Optional.ofNullable(modelHint), Optional.of(shape));
    ModelFiles.check(c, option + " " + file, shape, train.classCount());
    return c;
  }

  /** The AutoAttack run of {@code --final-eval autoattack}, else null. */
  private AutoAttackSettings finalAutoAttack() {
    String mode = finalEval.toLowerCase(Locale.ROOT).trim();
    if (!mode.equals("pgd") && !mode.equals("autoattack")) {
      throw new BadInputException(
          "--final-eval must be pgd or autoattack, was '" + finalEval + "'");
    }
    if (mode.equals("pgd")) {
      if (autoAttackVersion != null) {
        throw new BadInputException("--autoattack-version needs --final-eval autoattack");
      }
      return null;
    }
    try {
      return new AutoAttackSettings(
          autoAttackVersion == null
              ? AutoAttackVersion.STANDARD
              : AutoAttackVersion.parse(autoAttackVersion),
          Norm.LINF,
          null,
          0,
          AutoAttackVersion.REFERENCE_BATCH);
    } catch (IllegalArgumentException e) {
      throw new BadInputException("--autoattack-version: " + e.getMessage());
    }
  }

  /**
   * Clean and PGD-20 accuracy through the robustness suite, as {@code igd eval --tests clean,pgd}
   * computes them, and AutoAttack's as {@code --tests autoattack} does when {@code autoAttack} is
   * not null.
   */
  static ModelResult evaluate(
      Classifier model,
      String dataset,
      Dataset test,
      String method,
      TrainSettings settings,
      AutoAttackSettings autoAttack,
      Log log) {
    Set<SuiteTest> tests =
        autoAttack == null
            ? Set.of(SuiteTest.CLEAN, SuiteTest.PGD)
            : Set.of(SuiteTest.CLEAN, SuiteTest.PGD, SuiteTest.AUTOATTACK);
    RobustnessSuite suite =
        new RobustnessSuite(
            new RobustnessSuite.Settings(
                tests,
                settings.evalBatchSize(),
                settings.seed(),
                settings.attack(test.channels(), settings.attackConfig().evalSteps()),
                0,
                autoAttack == null ? AutoAttackSettings.standard() : autoAttack));
    try (SuiteProgress progress = new SuiteProgress("eval", List.of("model"), log)) {
      RobustnessReport report =
          suite.run(
              dataset, test, List.of(new RobustnessSuite.Entry("model", method, model)), progress);
      return report.models().get(0);
    }
  }

  private static void putIf(Map<String, Object> map, String key, Object value) {
    if (value != null) {
      map.put(key, value);
    }
  }
}
