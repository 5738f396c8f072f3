package io.igdstream.core.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.igdstream.core.attack.AutoAttack;
import io.igdstream.core.attack.AutoAttackResult;
import io.igdstream.core.attack.Pgd;
import io.igdstream.core.attack.PgdSettings;
import io.igdstream.core.corruption.ConstantSet;
import io.igdstream.core.corruption.Corruption;
import io.igdstream.core.corruption.Corruptions;
import io.igdstream.core.data.Dataset;
import io.igdstream.core.metrics.FractionErrors;
import io.igdstream.core.metrics.Gini;
import io.igdstream.core.metrics.InductiveNoiseAttack;
import io.igdstream.core.metrics.InductiveOcclusionAttack;
import io.igdstream.core.metrics.Misclassified;
import io.igdstream.core.metrics.RandomNoise;
import io.igdstream.core.metrics.Saliency;
import io.igdstream.core.metrics.SampleSeeds;
import io.igdstream.core.model.Classifier;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The robustness evaluation of docs/PROTOCOL.md §2 for one or more models side by side: clean and
 * PGD-20 accuracy over the test set, then, over the joint-correct subset, Gini of the saliency
 * maps, the inductive noise attack (add, replace), random noise, the inductive occlusion attack
 * (grey, white) and the corruptions × severities. Every random draw is seeded from (seed, sample
 * index, test name), so the same inputs give the same report. When no test image is classified
 * correctly by every model, the subset tests are left out and the report lists them ({@link
 * RobustnessReport#skipped}).
 */
public final class RobustnessSuite {

  /**
   * @param tests which tests to run (clean always)
   * @param batchSize images per forward batch
   * @param pgd the PGD-20 settings
   * @param examples how many saliency maps per model to keep for the picture
   * @param autoAttack how the {@code autoattack} test runs
   */
  public record Settings(
      Set<SuiteTest> tests,
      int batchSize,
      long seed,
      PgdSettings pgd,
      int examples,
      AutoAttackSettings autoAttack) {
    public Settings {
      if (batchSize < 1) {
        throw new IllegalArgumentException("eval batch-size must be >= 1, was " + batchSize);
      }
      tests = Set.copyOf(tests);
      Objects.requireNonNull(autoAttack, "autoAttack");
    }

    /** Settings whose {@code autoattack} test, if chosen, is the standard one. */
    public Settings(Set<SuiteTest> tests, int batchSize, long seed, PgdSettings pgd, int examples) {
      this(tests, batchSize, seed, pgd, examples, AutoAttackSettings.standard());
    }
  }

  /** A model to evaluate, with its name and training method for the report. */
  public record Entry(String id, String method, Classifier model) {}

  /** Progress callback: a test, how many images of it are done, of how many. */
  public interface Progress {
    void update(String test, long done, long total);
  }

  private final Settings settings;

  public RobustnessSuite(Settings settings) {
    this.settings = settings;
  }

  /** Runs the suite with corrupted images computed in-process, seeded from the settings' seed. */
  public RobustnessReport run(
      String dataset, Dataset test, List<Entry> entries, Progress progress) {
    return run(dataset, test, entries, progress, CorruptedImages.computed(settings.seed()));
  }

  /**
   * Runs the suite with the corruption test's images taken from {@code corrupted} (the streaming
   * evaluator reads them from Kafka); every other test is unchanged.
   */
  public RobustnessReport run(
      String dataset,
      Dataset test,
      List<Entry> entries,
      Progress progress,
      CorruptedImages corrupted) {
    Objects.requireNonNull(corrupted, "corrupted");
    if (entries.isEmpty()) {
      throw new IllegalArgumentException("no models to evaluate");
    }
    for (Entry e : entries) {
      var spec = e.model().spec();
      if (spec.channels() != test.channels()
          || spec.height() != test.height()
          || spec.width() != test.width()
          || spec.classes() != test.classCount()) {
        throw new IllegalArgumentException(
            e.id()
                + ": the model takes "
                + spec
                + " but "
                + dataset
                + " has "
                + test.shape()
                + " images of "
                + test.classCount()
                + " classes");
      }
    }
    Map<String, Double> seconds = new LinkedHashMap<>();
    int n = test.size();
    boolean[][] correct = new boolean[entries.size()][];
    Double[] robust = new Double[entries.size()];
    for (int m = 0; m < entries.size(); m++) {
      long t0 = System.nanoTime();
      correct[m] = cleanHits(entries.get(m).model(), test, progress);
      add(seconds, "clean", t0);
      if (settings.tests().contains(SuiteTest.PGD)) {
        t0 = System.nanoTime();
        robust[m] = (double) robustHits(entries.get(m).model(), test, correct[m], progress) / n;
        add(seconds, "pgd", t0);
      }
    }
    List<Integer> subset = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      boolean all = true;
      for (boolean[] c : correct) {
        all &= c[i];
      }
      if (all) {
        subset.add(i);
      }
    }
    // No image right for every model (an early snapshot, say): the subset tests have nothing to
    // run on, so the report has clean and PGD only and says which tests it left out.
    Set<SuiteTest> tests = settings.tests();
    Set<SuiteTest> skipped = EnumSet.noneOf(SuiteTest.class);
    if (subset.isEmpty()) {
      tests.stream().filter(RobustnessSuite::onSubset).forEach(skipped::add);
      tests = tests.stream().filter(t -> !onSubset(t)).collect(Collectors.toUnmodifiableSet());
    }
    AutoAttackResult[] autoAttacks = new AutoAttackResult[entries.size()];
    if (tests.contains(SuiteTest.AUTOATTACK)) {
      for (int m = 0; m < entries.size(); m++) {
        long t0 = System.nanoTime();
        autoAttacks[m] = autoAttack(entries.get(m).model(), test, progress);
        add(seconds, "autoattack", t0);
      }
    }
    List<ModelResult> results = new ArrayList<>();
    for (int m = 0; m < entries.size(); m++) {
      results.add(
          subsetTests(
                  entries.get(m),
                  tests,
                  test,
                  subset,
                  accuracy(correct[m]),
                  robust[m],
                  seconds,
                  progress,
                  corrupted)
              .withAutoAttack(autoAttacks[m]));
    }
    Map<String, Object> used = new LinkedHashMap<>();
    used.put("tests", tests.stream().map(SuiteTest::id).sorted().toList());
    used.put("pgd_eps", settings.pgd().eps());
    used.put("pgd_alpha", settings.pgd().alpha());
    used.put("pgd_steps", settings.pgd().steps());
    if (settings.tests().contains(SuiteTest.AUTOATTACK)) {
      AutoAttackSettings aa = settings.autoAttack();
      used.put("autoattack_version", aa.version().key());
      used.put("autoattack_norm", aa.norm().key());
      used.put("autoattack_eps", aa.epsFor(test.channels()));
      used.put("autoattack_points", aa.pointsOf(n));
    }
    used.put("ina_fractions", InductiveNoiseAttack.DEFAULT_FRACTIONS);
    used.put("rn_fractions", RandomNoise.DEFAULT_FRACTIONS);
    used.put("ioa_locations", InductiveOcclusionAttack.DEFAULT_LOCATIONS);
    used.put(
        "ioa_half_sizes", InductiveOcclusionAttack.defaultHalfSizes(test.height(), test.width()));
    used.put("gini_block", Gini.blockFor(test.height(), test.width()));
    used.put(
        "corruption_constants",
        ConstantSet.forImageSize(test.height(), test.width()).name().toLowerCase());
    return new RobustnessReport(
        dataset,
        test.channels(),
        test.height(),
        test.width(),
        n,
        subset.size(),
        settings.seed(),
        used,
        results,
        seconds,
        skipped);
  }

  private ModelResult subsetTests(
      Entry entry,
      Set<SuiteTest> tests,
      Dataset test,
      List<Integer> subset,
      double clean,
      Double robust,
      Map<String, Double> seconds,
      Progress progress,
      CorruptedImages corrupted) {
    Classifier model = entry.model();
    int c = test.channels();
    int h = test.height();
    int w = test.width();
    int size = test.imageSize();
    int block = Gini.blockFor(h, w);
    boolean saliencyNeeded =
        tests.contains(SuiteTest.GINI)
            || tests.contains(SuiteTest.INA)
            || tests.contains(SuiteTest.IOA);
    double[] giniPixel = new double[subset.size()];
    double[] giniRegional = new double[subset.size()];
    List<float[]> examples = new ArrayList<>();
    FractionErrors inaAdd = null;
    FractionErrors inaReplace = null;
    FractionErrors rn = null;
    int ioaGrey = 0;
    int ioaWhite = 0;
    InductiveOcclusionAttack ioa = InductiveOcclusionAttack.forImage(h, w);
    List<Corruption> corruptions = Corruptions.all(ConstantSet.forImageSize(h, w));
    Map<String, int[]> corruptionErrors = new LinkedHashMap<>();
    corruptions.forEach(k -> corruptionErrors.put(k.name(), new int[5]));

    for (int from = 0; needsSubset(tests) && from < subset.size(); from += settings.batchSize()) {
      int count = Math.min(settings.batchSize(), subset.size() - from);
      float[] pixels = new float[count * size];
      long[] labels = new long[count];
      long[] ids = new long[count];
      for (int i = 0; i < count; i++) {
        int index = subset.get(from + i);
        test.copyImage(index, pixels, i * size);
        labels[i] = test.labels()[index];
        ids[i] = index;
      }
      try (NDManager scope = model.manager().newSubManager()) {
        NDArray x = model.images(scope, pixels, count);
        NDArray y = scope.create(labels);
        float[] saliency = null;
        if (saliencyNeeded) {
          long t0 = System.nanoTime();
          saliency = Saliency.floats(model, x, y);
          add(seconds, "saliency", t0);
        }
        if (tests.contains(SuiteTest.GINI)) {
          long t0 = System.nanoTime();
          for (int i = 0; i < count; i++) {
            giniPixel[from + i] = Gini.of(saliency, i * size, size);
            giniRegional[from + i] = Gini.regional(saliency, i * size, c, h, w, block);
            if (examples.size() < settings.examples()) {
              examples.add(InductiveOcclusionAttack.attribution(saliency, i * size, c, h, w));
            }
          }
          add(seconds, "gini", t0);
        }
        if (tests.contains(SuiteTest.INA)) {
          long t0 = System.nanoTime();
          FractionErrors add =
              InductiveNoiseAttack.errorCounts(
                  model,
                  x,
                  y,
                  saliency,
                  ids,
                  InductiveNoiseAttack.DEFAULT_FRACTIONS,
                  InductiveNoiseAttack.Variant.ADD,
                  settings.seed());
          FractionErrors replace =
              InductiveNoiseAttack.errorCounts(
                  model,
                  x,
                  y,
                  saliency,
                  ids,
                  InductiveNoiseAttack.DEFAULT_FRACTIONS,
                  InductiveNoiseAttack.Variant.REPLACE,
                  settings.seed());
          inaAdd = inaAdd == null ? add : inaAdd.plus(add);
          inaReplace = inaReplace == null ? replace : inaReplace.plus(replace);
          add(seconds, "ina", t0);
        }
        if (tests.contains(SuiteTest.RN)) {
          long t0 = System.nanoTime();
          FractionErrors r =
              RandomNoise.errorCounts(
                  model, x, y, ids, RandomNoise.DEFAULT_FRACTIONS, settings.seed());
          rn = rn == null ? r : rn.plus(r);
          add(seconds, "rn", t0);
        }
        if (tests.contains(SuiteTest.IOA)) {
          long t0 = System.nanoTime();
          ioaGrey += ioa.run(model, x, y, saliency, 0.5f).errors();
          ioaWhite += ioa.run(model, x, y, saliency, 1.0f).errors();
          add(seconds, "ioa", t0);
        }
        if (tests.contains(SuiteTest.CORRUPTIONS)) {
          long t0 = System.nanoTime();
          float[] images = new float[pixels.length];
          for (Corruption k : corruptions) {
            for (int s = 1; s <= 5; s++) {
              for (int i = 0; i < count; i++) {
                corrupted.fill(
                    k, s, subset.get(from + i), pixels, i * size, images, i * size, c, h, w);
              }
              corruptionErrors.get(k.name())[s - 1] +=
                  Misclassified.count(model, x, images, labels);
            }
          }
          add(seconds, "corruptions", t0);
        }
      }
      progress.update(entry.id() + " subset tests", from + count, subset.size());
    }
    int total = subset.size();
    Map<String, Map<Integer, Double>> corruptionRates = new LinkedHashMap<>();
    if (tests.contains(SuiteTest.CORRUPTIONS)) {
      corruptionErrors.forEach(
          (name, errs) -> {
            Map<Integer, Double> bySeverity = new LinkedHashMap<>();
            for (int s = 1; s <= 5; s++) {
              bySeverity.put(s, (double) errs[s - 1] / total);
            }
            corruptionRates.put(name, bySeverity);
          });
    }
    boolean gini = tests.contains(SuiteTest.GINI);
    return new ModelResult(
        entry.id(),
        -1,
        model.architecture().id(),
        entry.method(),
        clean,
        robust,
        gini ? mean(giniPixel) : null,
        gini ? mean(giniRegional) : null,
        gini ? giniPixel : new double[0],
        gini ? giniRegional : new double[0],
        rates(inaAdd),
        rates(inaReplace),
        rates(rn),
        tests.contains(SuiteTest.IOA) ? (double) ioaGrey / total : null,
        tests.contains(SuiteTest.IOA) ? (double) ioaWhite / total : null,
        corruptionRates,
        examples);
  }

  /** Whether any test runs on the joint-correct subset (all but clean, PGD and AutoAttack). */
  private static boolean needsSubset(Set<SuiteTest> tests) {
    return tests.stream().anyMatch(RobustnessSuite::onSubset);
  }

  /** Whether the test runs on the joint-correct subset (all but clean, PGD and AutoAttack do). */
  private static boolean onSubset(SuiteTest test) {
    return test != SuiteTest.CLEAN && test != SuiteTest.PGD && test != SuiteTest.AUTOATTACK;
  }

  /**
   * AutoAttack on the first {@code limit} test images, as one array: the ensemble batches and seeds
   * itself as the reference does. Progress is reported per member ({@code autoattack apgd-ce}, …).
   */
  private AutoAttackResult autoAttack(Classifier model, Dataset test, Progress progress) {
    AutoAttackSettings aa = settings.autoAttack();
    int points = aa.pointsOf(test.size());
    int size = test.imageSize();
    float[] pixels = new float[points * size];
    long[] labels = new long[points];
    for (int i = 0; i < points; i++) {
      test.copyImage(i, pixels, i * size);
      labels[i] = test.labels()[i];
    }
    AutoAttack ensemble =
        aa.version()
            .ensemble(aa.norm(), aa.epsFor(test.channels()), test.classCount(), aa.batchSize());
    try (NDManager scope = model.manager().newSubManager()) {
      return ensemble.run(
          model,
          model.images(scope, pixels, points),
          scope.create(labels),
          settings.seed(),
          (member, done, total) -> progress.update("autoattack " + member, done, total));
    }
  }

  private boolean[] cleanHits(Classifier model, Dataset test, Progress progress) {
    boolean[] hits = new boolean[test.size()];
    forBatches(
        model,
        test,
        (from, x, y) -> {
          boolean[] h = hits(model.logits(x, false), y);
          System.arraycopy(h, 0, hits, from, h.length);
          progress.update("clean", from + h.length, test.size());
        });
    return hits;
  }

  private int robustHits(Classifier model, Dataset test, boolean[] clean, Progress progress) {
    Pgd attack = new Pgd(settings.pgd());
    int[] count = {0};
    forBatches(
        model,
        test,
        (from, x, y) -> {
          NDArray xAdv =
              attack.perturb(model, x, y, SampleSeeds.of(settings.seed(), from, attack.name()));
          boolean[] h = hits(model.logits(xAdv, false), y);
          for (int i = 0; i < h.length; i++) {
            count[0] += h[i] && clean[from + i] ? 1 : 0;
          }
          progress.update(attack.name(), from + h.length, test.size());
        });
    return count[0];
  }

  private interface BatchBody {
    void accept(int from, NDArray x, NDArray y);
  }

  private void forBatches(Classifier model, Dataset test, BatchBody body) {
    int size = test.imageSize();
    for (int from = 0; from < test.size(); from += settings.batchSize()) {
      int count = Math.min(settings.batchSize(), test.size() - from);
      float[] pixels = new float[count * size];
      long[] labels = new long[count];
      for (int i = 0; i < count; i++) {
        test.copyImage(from + i, pixels, i * size);
        labels[i] = test.labels()[from + i];
      }
      try (NDManager scope = model.manager().newSubManager()) {
        body.accept(from, model.images(scope, pixels, count), scope.create(labels));
      }
    }
  }

  private static boolean[] hits(NDArray logits, NDArray labels) {
    return logits.argMax(1).eq(labels).toBooleanArray();
  }

  private static Map<Double, Double> rates(FractionErrors errors) {
    if (errors == null) {
      return null;
    }
    Map<Double, Double> rates = new LinkedHashMap<>();
    for (int i = 0; i < errors.fractions().length; i++) {
      rates.put(errors.fractions()[i], errors.errorRate(i));
    }
    return rates;
  }

  private static double accuracy(boolean[] hits) {
    int c = 0;
    for (boolean h : hits) {
      c += h ? 1 : 0;
    }
    return (double) c / hits.length;
  }

  private static double mean(double[] values) {
    double s = 0;
    for (double v : values) {
      s += v;
    }
    return values.length == 0 ? Double.NaN : s / values.length;
  }

  private static void add(Map<String, Double> seconds, String test, long startNanos) {
    seconds.merge(test, (System.nanoTime() - startNanos) / 1e9, Double::sum);
  }
}
