package io.igdstream.streams.evaluate;

import io.igdstream.core.attack.PgdSettings;
import io.igdstream.core.data.Dataset;
import io.igdstream.core.eval.CorruptedImages;
import io.igdstream.core.eval.ModelResult;
import io.igdstream.core.eval.RobustnessReport;
import io.igdstream.core.eval.RobustnessSuite;
import io.igdstream.core.eval.SuiteTest;
import io.igdstream.core.model.Classifier;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * The evaluation of one snapshot, without Kafka: model + test set + stored corrupted images → its
 * {@link Evaluation}. This is the one place that chooses which tests a snapshot gets (the settings'
 * periodic or final set) and runs them; {@link EvaluatorStream} only brings the inputs and
 * publishes the result.
 *
 * <p>A snapshot that classifies no test image correctly (an early one) gets clean and PGD only: the
 * suite leaves out the tests of the joint-correct subset and the report lists them.
 *
 * <p>{@link #evaluate} does DJL work: call it on the thread that owns the model (the {@link
 * io.igdstream.core.model.GradientThread} in the role).
 */
public final class SnapshotEvaluator {

  /** Saliency maps kept per report, for the final report's picture grid. */
  static final int EXAMPLES = 8;

  private final String modelId;
  private final EvaluateSettings settings;
  private final IntFunction<PgdSettings> attack;
  private final Consumer<String> log;

  /**
   * @param modelId the model's id in the reports
   * @param attack the PGD settings for images of a channel count ({@link EvaluateSettings#attack})
   * @param log a line when a snapshot's subset tests are left out
   */
  public SnapshotEvaluator(
      String modelId,
      EvaluateSettings settings,
      IntFunction<PgdSettings> attack,
      Consumer<String> log) {
    this.modelId = Objects.requireNonNull(modelId, "modelId");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.attack = Objects.requireNonNull(attack, "attack");
    this.log = Objects.requireNonNull(log, "log");
  }

  /**
   * The tests snapshot {@code version} gets: the final set for the final snapshot, else the
   * periodic one; and AutoAttack where {@code igd.evaluate.autoattack.on} says so.
   */
  public Set<SuiteTest> testsFor(long version, boolean isFinal) {
    return settings.testsFor(version, isFinal);
  }

  /** Whether evaluating such a snapshot reads the stored corrupted test images. */
  public boolean readsCorruptions(boolean isFinal) {
    return settings.testsFor(isFinal).contains(SuiteTest.CORRUPTIONS);
  }

  /**
   * Runs the snapshot's tests on {@code model} (the caller closes it).
   *
   * @param facts the snapshot's facts (its {@code method} goes into the report)
   * @param corrupted the stored corrupted images, or null when {@link #readsCorruptions} is false
   *     (then a corruption test, if any, computes every image in-process and counts no fallbacks)
   */
  public Evaluation evaluate(
      long version,
      boolean isFinal,
      Map<String, String> facts,
      Classifier model,
      TestSet tests,
      StoredCorruptions corrupted) {
    long t0 = System.nanoTime();
    Dataset test = tests.dataset();
    CorruptedImages images =
        corrupted != null ? corrupted : StoredCorruptions.none(tests, settings.seed());
    long fallbacksBefore = corrupted != null ? corrupted.fallbacks() : 0;
    RobustnessSuite suite =
        new RobustnessSuite(
            new RobustnessSuite.Settings(
                testsFor(version, isFinal),
                settings.batchSize(),
                settings.seed(),
                attack.apply(test.channels()),
                EXAMPLES,
                settings.autoAttack().suite(settings.batchSize())));
    RobustnessReport report =
        suite.run(
            test.name(),
            test,
            List.of(
                new RobustnessSuite.Entry(modelId, facts.getOrDefault("method", "unknown"), model)),
            (name, n, of) -> {},
            images);
    if (report.subsetEmpty()) {
      log.accept(
          "evaluate: snapshot v"
              + version
              + " classifies no test image correctly; "
              + report.skipped()
              + " not run");
    }
    RobustnessReport one =
        new RobustnessReport(
            report.dataset(),
            report.channels(),
            report.height(),
            report.width(),
            report.samples(),
            report.jointCorrect(),
            report.seed(),
            report.settings(),
            List.of(withVersion(report.models().get(0), version)),
            report.seconds(),
            report.skipped());
    long fallbacks = corrupted != null ? corrupted.fallbacks() - fallbacksBefore : 0;
    return new Evaluation(version, isFinal, one, (System.nanoTime() - t0) / 1e9, fallbacks);
  }

  private static ModelResult withVersion(ModelResult m, long version) {
    return new ModelResult(
        m.modelId(),
        version,
        m.architecture(),
        m.method(),
        m.cleanAccuracy(),
        m.pgd20Accuracy(),
        m.giniPixel(),
        m.giniRegional(),
        m.giniPixelSamples(),
        m.giniRegionalSamples(),
        m.inaAdd(),
        m.inaReplace(),
        m.rn(),
        m.ioaGrey(),
        m.ioaWhite(),
        m.corruptions(),
        m.saliencyExamples(),
        m.autoAttack());
  }
}
