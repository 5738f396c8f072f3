package io.igdstream.app;

import io.igdstream.core.data.Dataset;
import io.igdstream.core.eval.AccuracyReport;
import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.train.TrainSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code igd eval}: offline robustness report of saved models (clean and PGD-20 accuracy for now). */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = "Clean and PGD-20 accuracy of saved models on a dataset's test split.")
final class EvalCommand implements Callable<Integer> {

  @Parameters(arity = "1..*", paramLabel = "MODEL", description = "model.safetensors or checkpoint files written by igd.")
  List<Path> models;

  @Mixin DataOptions data;

  @Option(names = "--limit", description = "Evaluate on the first N test images only.")
  Integer limit;

  @Option(names = "--seed", defaultValue = "0", description = "Seed of the attacks' random starts.")
  long seed;

  @Option(names = "--config", description = "HOCON file with overrides of reference.conf.")
  Path config;

  @Option(names = "--out", description = "Directory for report.json.")
  Path out;

  @Override
  public Integer call() {
    Log log = Log.stderr();
    Map<String, Object> overrides = new LinkedHashMap<>();
    overrides.put("igd.train.seed", seed);
    TrainSettings settings = TrainSettings.fromConfig(Settings.load(config, overrides));
    if (limit != null && limit < 1) {
      throw new BadInputException("--limit must be >= 1, was " + limit);
    }
    List<Checkpoint> files = new ArrayList<>();
    for (Path m : models) {
      if (!Files.isRegularFile(m)) {
        throw new BadInputException("model file " + m + " does not exist");
      }
      files.add(Checkpoint.read(m));
    }
    if (out != null) {
      OutputDirectory.prepare(out);
    }
    Dataset test = data.load(log).test();
    if (limit != null) {
      test = test.limit(limit);
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      Checkpoint file = files.get(i);
      try (Classifier model = Classifier.load(file)) {
        if (model.spec().channels() != test.channels() || model.spec().height() != test.height()
            || model.spec().width() != test.width() || model.classes() != test.classCount()) {
          throw new BadInputException(
              models.get(i) + ": model takes " + model.spec() + " but " + data.dataset + " has "
                  + test.shape() + " images of " + test.classCount() + " classes");
        }
        AccuracyReport report = TrainLocalCommand.evaluate(model, test, settings, log);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("model", models.get(i).toString());
        row.put("architecture", model.architecture().id());
        row.put("method", file.metadata().getOrDefault("method", "unknown"));
        row.put("samples", report.samples());
        row.put("clean_accuracy", report.cleanAccuracy());
        row.put("pgd20_accuracy", report.robustAccuracy());
        row.put("seconds", report.seconds());
        rows.add(row);
        System.out.printf(Locale.ROOT, "%s (%s): clean accuracy %.4f, %s accuracy %.4f on %d images%n",
            models.get(i), row.get("method"), report.cleanAccuracy(), report.attack(), report.robustAccuracy(), report.samples());
      }
    }
    if (out != null) {
      Map<String, Object> report = new LinkedHashMap<>();
      report.put("dataset", data.dataset);
      report.put("seed", seed);
      report.put("models", rows);
      Json.writeFile(out.resolve("report.json"), report);
      log.info("wrote " + out.resolve("report.json"));
    }
    return 0;
  }
}
