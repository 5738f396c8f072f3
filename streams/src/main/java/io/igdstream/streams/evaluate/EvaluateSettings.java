package io.igdstream.streams.evaluate;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.igdstream.core.attack.PgdSettings;
import io.igdstream.core.eval.SuiteTest;
import io.igdstream.core.train.TrainSettings;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * The evaluator's settings, {@code igd.evaluate} in reference.conf (where every key is documented).
 * Periodic reports track robustness cheaply while training runs; the final snapshot gets the full
 * suite, so the two have separate test lists.
 *
 * @param every evaluate versions divisible by this (final snapshots always)
 * @param testLimit test images evaluated, the first by sample id; 0 = the whole test split
 * @param tests tests of periodic evaluations (clean always included)
 * @param finalTests tests of final snapshots (clean always included)
 * @param batchSize images per forward batch
 * @param seed seed of the suite's random draws and of corrupted images computed in-process
 * @param pgdSteps PGD steps of the robust accuracy test
 * @param scanTimeout longest time to read the test split or its corrupted images once
 * @param backlog what happens to selected versions that arrive while an evaluation runs
 */
public record EvaluateSettings(
    int every,
    int testLimit,
    Set<SuiteTest> tests,
    Set<SuiteTest> finalTests,
    int batchSize,
    long seed,
    int pgdSteps,
    Duration scanTimeout,
    Backlog backlog) {

  private static final String PREFIX = "igd.evaluate.";

  /** Selected versions that arrive while an evaluation runs. */
  public enum Backlog {
    /** Only the newest waits; older ones are skipped, so the evaluator keeps up with training. */
    NEWEST,
    /** Every one waits its turn, so every selected version gets a report, however late. */
    ALL;

    static Backlog parse(String value) {
      for (Backlog b : values()) {
        if (b.name().equalsIgnoreCase(value.trim())) {
          return b;
        }
      }
      throw new IllegalArgumentException(
          PREFIX + "backlog must be newest or all, was '" + value + "'");
    }
  }

  public EvaluateSettings {
    if (every < 1) {
      throw new IllegalArgumentException(PREFIX + "every must be >= 1, was " + every);
    }
    if (testLimit < 0) {
      throw new IllegalArgumentException(
          PREFIX + "test-limit must be >= 0 (0 = all), was " + testLimit);
    }
    tests = withClean(PREFIX + "tests", tests);
    finalTests = withClean(PREFIX + "final-tests", finalTests);
    if (batchSize < 1) {
      throw new IllegalArgumentException(PREFIX + "batch-size must be >= 1, was " + batchSize);
    }
    if (pgdSteps < 1) {
      throw new IllegalArgumentException(PREFIX + "pgd-steps must be >= 1, was " + pgdSteps);
    }
    Objects.requireNonNull(scanTimeout, PREFIX + "scan-timeout");
    if (scanTimeout.isNegative() || scanTimeout.isZero()) {
      throw new IllegalArgumentException(PREFIX + "scan-timeout must be > 0, was " + scanTimeout);
    }
    Objects.requireNonNull(backlog, PREFIX + "backlog");
  }

  /** Reads {@code igd.evaluate}; errors name the key. */
  public static EvaluateSettings fromConfig(Config root) {
    try {
      Config c = root.getConfig("igd.evaluate");
      return new EvaluateSettings(
          c.getInt("every"),
          c.getInt("test-limit"),
          parseTests("tests", c.getString("tests")),
          parseTests("final-tests", c.getString("final-tests")),
          c.getInt("batch-size"),
          c.getLong("seed"),
          c.getInt("pgd-steps"),
          c.getDuration("scan-timeout"),
          Backlog.parse(c.getString("backlog")));
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * Parses a comma-separated test list ({@code clean,pgd,gini}) or {@code all}.
   *
   * @param key the key under {@code igd.evaluate} the list came from, for the error message
   */
  public static Set<SuiteTest> parseTests(String key, String csv) {
    if (csv.trim().equals("all")) {
      return EnumSet.allOf(SuiteTest.class);
    }
    try {
      return SuiteTest.parse(csv);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(PREFIX + key + ": " + e.getMessage(), e);
    }
  }

  /** Whether snapshot {@code version} gets a report: every k-th, and every final one. */
  public boolean selects(long version, boolean isFinal) {
    return isFinal || version % every == 0;
  }

  /** The tests of a snapshot's evaluation. */
  public Set<SuiteTest> testsFor(boolean isFinal) {
    return isFinal ? finalTests : tests;
  }

  /**
   * PGD settings for images of a given channel count: steps from {@link #pgdSteps}, eps, alpha and
   * random start from {@code igd.attack} (auto = the defaults of docs/PROTOCOL.md §1), as {@code
   * igd eval} uses.
   */
  public IntFunction<PgdSettings> attack(Config root) {
    TrainSettings train = TrainSettings.fromConfig(root);
    return channels -> train.attack(channels, pgdSteps);
  }

  /**
   * The PGD defaults of docs/PROTOCOL.md §1 ({@link PgdSettings#defaults}) with {@link #pgdSteps}
   * steps.
   */
  public IntFunction<PgdSettings> defaultAttack() {
    return channels -> PgdSettings.defaults(channels, pgdSteps);
  }

  public EvaluateSettings withEvery(int k) {
    return new EvaluateSettings(
        k, testLimit, tests, finalTests, batchSize, seed, pgdSteps, scanTimeout, backlog);
  }

  public EvaluateSettings withTestLimit(int images) {
    return new EvaluateSettings(
        every, images, tests, finalTests, batchSize, seed, pgdSteps, scanTimeout, backlog);
  }

  public EvaluateSettings withTests(Set<SuiteTest> periodic, Set<SuiteTest> atFinal) {
    return new EvaluateSettings(
        every, testLimit, periodic, atFinal, batchSize, seed, pgdSteps, scanTimeout, backlog);
  }

  public EvaluateSettings withBacklog(Backlog b) {
    return new EvaluateSettings(
        every, testLimit, tests, finalTests, batchSize, seed, pgdSteps, scanTimeout, b);
  }

  private static Set<SuiteTest> withClean(String key, Set<SuiteTest> tests) {
    Objects.requireNonNull(tests, key);
    EnumSet<SuiteTest> all = EnumSet.of(SuiteTest.CLEAN);
    all.addAll(tests);
    return Set.copyOf(all);
  }
}
