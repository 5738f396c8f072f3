package io.igdstream.streams.evaluate;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.igdstream.core.attack.AutoAttackVersion;
import io.igdstream.core.attack.Norm;
import io.igdstream.core.attack.PgdSettings;
import io.igdstream.core.eval.AutoAttackSettings;
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
 * @param autoAttack whether and how a snapshot gets the (costly) AutoAttack test; the test lists
 *     never name it, so this is the one switch
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
    Backlog backlog,
    AutoAttack autoAttack) {

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

  /** Which snapshots get the AutoAttack test. */
  public enum On {
    /** None. */
    OFF("off"),
    /** The final snapshot only (the default: it costs minutes per model). */
    FINAL("final"),
    /** Versions divisible by {@code autoattack.every}, and the final one. */
    EVERY_K("every-k");

    private final String key;

    On(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }

    static On parse(String value) {
      for (On o : values()) {
        if (o.key.equalsIgnoreCase(value.trim())) {
          return o;
        }
      }
      throw new IllegalArgumentException(
          PREFIX + "autoattack.on must be off, final or every-k, was '" + value + "'");
    }
  }

  /**
   * {@code igd.evaluate.autoattack}.
   *
   * @param version {@code apgd} (APGD-CE + APGD-T, the cheap half) or {@code standard}
   * @param on which snapshots get it
   * @param every with {@code on = every-k}: versions divisible by this
   * @param limit the first {@code limit} evaluated test images; 0 = all of them
   * @param norm the threat model
   * @param eps its radius, or null for the protocol's default by norm and channels
   */
  public record AutoAttack(
      AutoAttackVersion version, On on, int every, int limit, Norm norm, Double eps) {
    private static final String KEY = PREFIX + "autoattack.";

    public AutoAttack {
      Objects.requireNonNull(version, KEY + "version");
      Objects.requireNonNull(on, KEY + "on");
      Objects.requireNonNull(norm, KEY + "norm");
      if (every < 1) {
        throw new IllegalArgumentException(KEY + "every must be >= 1, was " + every);
      }
      if (limit < 0) {
        throw new IllegalArgumentException(KEY + "limit must be >= 0 (0 = all), was " + limit);
      }
      if (eps != null && !(eps > 0 && eps <= 1000)) {
        throw new IllegalArgumentException(KEY + "eps must be > 0 (or null), was " + eps);
      }
    }

    /** Whether snapshot {@code version} gets the test. */
    public boolean runsOn(long version, boolean isFinal) {
      return switch (on) {
        case OFF -> false;
        case FINAL -> isFinal;
        case EVERY_K -> isFinal || version % every == 0;
      };
    }

    /** The suite's settings for it, in batches of {@code batchSize} points. */
    public AutoAttackSettings suite(int batchSize) {
      return new AutoAttackSettings(version, norm, eps, limit, batchSize);
    }

    public AutoAttack withOn(On o) {
      return new AutoAttack(version, o, every, limit, norm, eps);
    }

    public AutoAttack withLimit(int n) {
      return new AutoAttack(version, on, every, n, norm, eps);
    }

    static AutoAttack fromConfig(Config c) {
      AutoAttackVersion version;
      Norm norm;
      try {
        version = AutoAttackVersion.parse(c.getString("version"));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(KEY + "version: " + e.getMessage(), e);
      }
      try {
        norm = Norm.parse(c.getString("norm"));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(KEY + "norm: " + e.getMessage(), e);
      }
      return new AutoAttack(
          version,
          On.parse(c.getString("on")),
          c.getInt("every"),
          c.getInt("limit"),
          norm,
          c.getIsNull("eps") ? null : c.getDouble("eps"));
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
    Objects.requireNonNull(autoAttack, PREFIX + "autoattack");
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
          Backlog.parse(c.getString("backlog")),
          AutoAttack.fromConfig(c.getConfig("autoattack")));
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
      // AutoAttack costs minutes per model: igd.evaluate.autoattack.on decides it, not "all".
      EnumSet<SuiteTest> all = EnumSet.allOf(SuiteTest.class);
      all.remove(SuiteTest.AUTOATTACK);
      return all;
    }
    Set<SuiteTest> tests;
    try {
      tests = SuiteTest.parse(csv);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(PREFIX + key + ": " + e.getMessage(), e);
    }
    if (tests.contains(SuiteTest.AUTOATTACK)) {
      throw new IllegalArgumentException(
          PREFIX + key + ": autoattack is chosen by " + PREFIX + "autoattack.on, not listed here");
    }
    return tests;
  }

  /** Whether snapshot {@code version} gets a report: every k-th, and every final one. */
  public boolean selects(long version, boolean isFinal) {
    return isFinal || version % every == 0;
  }

  /**
   * The listed tests of a snapshot's evaluation (AutoAttack aside: see {@link #testsFor(long,
   * boolean)}).
   */
  public Set<SuiteTest> testsFor(boolean isFinal) {
    return isFinal ? finalTests : tests;
  }

  /** The tests of snapshot {@code version}'s evaluation: the listed ones, and AutoAttack if due. */
  public Set<SuiteTest> testsFor(long version, boolean isFinal) {
    if (!autoAttack.runsOn(version, isFinal)) {
      return testsFor(isFinal);
    }
    EnumSet<SuiteTest> all = EnumSet.copyOf(testsFor(isFinal));
    all.add(SuiteTest.AUTOATTACK);
    return Set.copyOf(all);
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
        k,
        testLimit,
        tests,
        finalTests,
        batchSize,
        seed,
        pgdSteps,
        scanTimeout,
        backlog,
        autoAttack);
  }

  public EvaluateSettings withTestLimit(int images) {
    return new EvaluateSettings(
        every,
        images,
        tests,
        finalTests,
        batchSize,
        seed,
        pgdSteps,
        scanTimeout,
        backlog,
        autoAttack);
  }

  public EvaluateSettings withTests(Set<SuiteTest> periodic, Set<SuiteTest> atFinal) {
    return new EvaluateSettings(
        every,
        testLimit,
        periodic,
        atFinal,
        batchSize,
        seed,
        pgdSteps,
        scanTimeout,
        backlog,
        autoAttack);
  }

  public EvaluateSettings withBacklog(Backlog b) {
    return new EvaluateSettings(
        every, testLimit, tests, finalTests, batchSize, seed, pgdSteps, scanTimeout, b, autoAttack);
  }

  public EvaluateSettings withAutoAttack(AutoAttack a) {
    return new EvaluateSettings(
        every, testLimit, tests, finalTests, batchSize, seed, pgdSteps, scanTimeout, backlog, a);
  }

  private static Set<SuiteTest> withClean(String key, Set<SuiteTest> tests) {
    Objects.requireNonNull(tests, key);
    EnumSet<SuiteTest> all = EnumSet.of(SuiteTest.CLEAN);
    all.addAll(tests);
    return Set.copyOf(all);
  }
}
