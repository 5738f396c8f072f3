package io.igdstream.app.cli;

import io.igdstream.app.console.Log;
import io.igdstream.app.console.SuiteProgress;
import io.igdstream.app.report.ReportFiles;
import io.igdstream.core.attack.AutoAttackResult;
import io.igdstream.core.attack.AutoAttackVersion;
import io.igdstream.core.attack.Norm;
import io.igdstream.core.data.Dataset;
import io.igdstream.core.eval.AutoAttackSettings;
import io.igdstream.core.eval.ModelResult;
import io.igdstream.core.eval.RobustnessReport;
import io.igdstream.core.eval.RobustnessSuite;
import io.igdstream.core.eval.SuiteTest;
import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.io.ModelFiles;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.train.TrainSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
import picocli.CommandLine.Parameters;

/**
 * {@code igd eval}: the offline robustness report of saved models, side by side (docs/PROTOCOL.md
 * §2).
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    header = "Robustness report of saved models, side by side.",
    description =
        "Robustness report of saved models: clean, PGD-20 and AutoAttack accuracy, Gini of saliency,"
            + " inductive noise, random noise, inductive occlusion, corruptions; report.json, report.md"
            + " and PNG plots.")
public final class EvalCommand implements Callable<Integer> {

  @Parameters(
      arity = "1..*",
      paramLabel = "MODEL",
      description =
          "model.safetensors or checkpoint files written by igd, or PyTorch state_dicts in safetensors;"
              + " the first is the reference for the Δ columns.")
  List<Path> models;

  @Mixin DataOptions data;

  @Option(names = "--limit", description = "Evaluate on the first N test images only.")
  Integer limit;

  @Option(
      names = "--tests",
      defaultValue = "clean,pgd,gini,ina,rn,ioa,corruptions",
      description =
          "Comma-separated tests: clean,pgd,gini,ina,rn,ioa,corruptions,autoattack (default: all but"
              + " autoattack, which is costly: add it).")
  String tests;

  @Option(
      names = "--autoattack-version",
      defaultValue = "standard",
      description =
          "standard (APGD-CE, APGD-T, FAB-T, Square: the field's measure) or apgd (APGD-CE, APGD-T).")
  String autoAttackVersion;

  @Option(
      names = "--norm",
      defaultValue = "linf",
      description = "Threat model of the autoattack test: linf or l2.")
  String norm;

  @Option(
      names = "--eps",
      description =
          "Radius of the autoattack test (default: linf 0.1 grey / 8/255 RGB, l2 2.0 grey / 0.5 RGB).")
  Double eps;

  @Option(
      names = "--autoattack-limit",
      description = "Run the autoattack test on the first N evaluated images only (default: all).")
  Integer autoAttackLimit;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "Seed of every random draw (with the sample id and the test).")
  long seed;

  @Mixin ConfigOption config; // igd.attack, igd.eval

  @Mixin ReportDirectoryOption reportDirectory;

  @Override
  public Integer call() {
    Log log = Log.stderr();
    TrainSettings settings = TrainSettings.fromConfig(config.load(Map.of()));
    Set<SuiteTest> selected = parseTests(tests);
    AutoAttackSettings autoAttack = autoAttackSettings();
    if (limit != null && limit < 1) {
      throw new BadInputException("--limit must be >= 1, was " + limit);
    }
    for (Path m : models) {
      if (!Files.isRegularFile(m)) {
        throw new BadInputException("model file " + m + " does not exist");
      }
    }
    if (reportDirectory.dir() != null) {
      OutputDirectory.prepare(reportDirectory.dir());
    }
    Dataset test = data.load(log).test();
    if (limit != null) {
      test = test.limit(limit);
    }
    // igd-stream's own files and plain PyTorch state_dicts alike, checked against the data
    ModelFiles.InputShape shape =
        new ModelFiles.InputShape(test.channels(), test.height(), test.width());
    List<Checkpoint> files = new ArrayList<>();
    for (Path m : models) {
      Checkpoint file = ModelFiles.read(m, Optional.empty(), Optional.of(shape));
      ModelFiles.check(file, m.toString(), shape, test.classCount());
      files.add(file);
    }
    List<RobustnessSuite.Entry> entries = new ArrayList<>();
    List<String> ids = uniqueNames(models);
    try {
      for (int i = 0; i < files.size(); i++) {
        Classifier model = Classifier.load(files.get(i));
        entries.add(
            new RobustnessSuite.Entry(
                ids.get(i), files.get(i).metadata().getOrDefault("method", "unknown"), model));
        if (model.spec().channels() != test.channels()
            || model.spec().height() != test.height()
            || model.spec().width() != test.width()
            || model.classes() != test.classCount()) {
          throw new BadInputException(
              models.get(i)
                  + ": model takes "
                  + model.spec()
                  + " but "
                  + data.dataset
                  + " has "
                  + test.shape()
                  + " images of "
                  + test.classCount()
                  + " classes");
        }
      }
      RobustnessSuite suite =
          new RobustnessSuite(
              new RobustnessSuite.Settings(
                  selected,
                  settings.evalBatchSize(),
                  seed,
                  settings.attack(test.channels(), settings.attackConfig().evalSteps()),
                  8,
                  autoAttack));
      log.info(
          String.format(
              Locale.ROOT,
              "evaluating %d model(s) on %d %s test images: %s",
              entries.size(),
              test.size(),
              data.dataset,
              String.join(",", selected.stream().map(SuiteTest::id).toList())));
      RobustnessReport report;
      try (SuiteProgress progress = new SuiteProgress("", ids, log)) {
        report = suite.run(data.dataset, test, entries, progress);
      }
      printSummary(report);
      if (reportDirectory.dir() != null) {
        ReportFiles.writeAll(report, reportDirectory.dir());
        log.info("wrote report.json, report.md and plots to " + reportDirectory.dir());
      }
      return ExitCode.OK;
    } finally {
      entries.forEach(e -> e.model().close());
    }
  }

  private static Set<SuiteTest> parseTests(String csv) {
    try {
      return SuiteTest.parse(csv);
    } catch (IllegalArgumentException e) {
      throw new BadInputException("--tests: " + e.getMessage());
    }
  }

  private AutoAttackSettings autoAttackSettings() {
    try {
      if (autoAttackLimit != null && autoAttackLimit < 1) {
        throw new IllegalArgumentException(
            "--autoattack-limit must be >= 1, was " + autoAttackLimit);
      }
      if (eps != null && !(eps > 0)) {
        throw new IllegalArgumentException("--eps must be > 0, was " + eps);
      }
      return new AutoAttackSettings(
          AutoAttackVersion.parse(autoAttackVersion),
          Norm.parse(norm),
          eps,
          autoAttackLimit == null ? 0 : autoAttackLimit,
          AutoAttackVersion.REFERENCE_BATCH);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    }
  }

  /** Names for the report: file names, disambiguated with the parent directory when needed. */
  static List<String> uniqueNames(List<Path> paths) {
    List<String> names = new ArrayList<>();
    for (Path p : paths) {
      Path parent = p.toAbsolutePath().getParent();
      String file = p.getFileName().toString().replaceFirst("\\.safetensors$", "");
      names.add(file.equals("model") && parent != null ? parent.getFileName().toString() : file);
    }
    Map<String, Integer> seen = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      int count = seen.merge(names.get(i), 1, Integer::sum);
      if (count > 1) {
        names.set(i, names.get(i) + "#" + count);
      }
    }
    return names;
  }

  private static void printSummary(RobustnessReport r) {
    System.out.printf(
        Locale.ROOT, "%d test images, joint-correct subset %d%n", r.samples(), r.jointCorrect());
    for (ModelResult m : r.models()) {
      StringBuilder line =
          new StringBuilder(
              String.format(
                  Locale.ROOT,
                  "%s (%s): clean accuracy %.4f",
                  m.modelId(),
                  m.method(),
                  m.cleanAccuracy()));
      if (m.pgd20Accuracy() != null) {
        line.append(String.format(Locale.ROOT, ", pgd-20 accuracy %.4f", m.pgd20Accuracy()));
      }
      if (m.autoAttack() != null) {
        AutoAttackResult aa = m.autoAttack();
        line.append(
            String.format(
                Locale.ROOT,
                ", autoattack %s (%s, eps %s, %d images) %.4f",
                aa.version(),
                aa.norm().key(),
                ReportFiles.formatEps(aa.eps()),
                aa.points(),
                aa.robustAccuracy()));
      }
      if (m.giniPixel() != null) {
        line.append(
            String.format(Locale.ROOT, ", gini %.4f / %.4f", m.giniPixel(), m.giniRegional()));
      }
      if (m.inaAdd() != null) {
        line.append(
            String.format(
                Locale.ROOT,
                ", ina-add@2%% %.4f, ina-replace@2%% %.4f",
                last(m.inaAdd()),
                last(m.inaReplace())));
      }
      if (m.rn() != null) {
        line.append(String.format(Locale.ROOT, ", rn@20%% %.4f", last(m.rn())));
      }
      if (m.ioaGrey() != null) {
        line.append(String.format(Locale.ROOT, ", ioa %.4f / %.4f", m.ioaGrey(), m.ioaWhite()));
      }
      if (!m.corruptions().isEmpty()) {
        line.append(String.format(Locale.ROOT, ", corruption error %.4f", m.corruptionMean()));
      }
      System.out.println(line);
    }
  }

  private static double last(Map<Double, Double> rates) {
    double v = Double.NaN;
    for (double x : rates.values()) {
      v = x;
    }
    return v;
  }
}
