package io.igdstream.core.train;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.igdstream.core.attack.PgdSettings;

/**
 * Everything a training run needs besides data and models, read from {@code igd.train}, {@code
 * igd.attack}, {@code igd.igd} and {@code igd.trades} of reference.conf (where every key is
 * documented). Attack settings that depend on the data ({@code auto}) resolve in {@link #attack}.
 */
public record TrainSettings(
    TrainingMethod method,
    int epochs,
    int batchSize,
    SgdSettings sgd,
    ScheduleSettings schedule,
    String augmentation,
    int checkpointEvery,
    int keepCheckpoints,
    long seed,
    AttackConfig attackConfig,
    IgdSettings igd,
    double tradesBeta,
    int evalBatchSize) {

  /** The attack keys as written; {@code NaN} eps/alpha mean "auto". */
  public record AttackConfig(
      double eps, double alpha, int trainSteps, int evalSteps, boolean randomStart) {}

  public TrainSettings {
    if (epochs < 1) {
      throw new IllegalArgumentException("igd.train.epochs must be >= 1, was " + epochs);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("igd.train.batch-size must be >= 1, was " + batchSize);
    }
    if (!java.util.List.of("auto", "none", "crop-flip").contains(augmentation)) {
      throw new IllegalArgumentException(
          "igd.train.augmentation must be auto, none or crop-flip, was '" + augmentation + "'");
    }
    if (checkpointEvery < 1) {
      throw new IllegalArgumentException(
          "igd.train.checkpoint-every must be >= 1, was " + checkpointEvery);
    }
    if (keepCheckpoints < 1) {
      throw new IllegalArgumentException(
          "igd.train.keep-checkpoints must be >= 1, was " + keepCheckpoints);
    }
    if (!(tradesBeta >= 0)) {
      throw new IllegalArgumentException("igd.trades.beta must be >= 0, was " + tradesBeta);
    }
    if (evalBatchSize < 1) {
      throw new IllegalArgumentException("igd.eval.batch-size must be >= 1, was " + evalBatchSize);
    }
  }

  /** Reads and validates the settings; errors name the key. */
  public static TrainSettings fromConfig(Config root) {
    try {
      // Full paths throughout, so a wrong-type error names the whole key.
      String t = "igd.train.";
      String s = "igd.train.schedule.";
      String a = "igd.attack.";
      String i = "igd.igd.";
      return new TrainSettings(
          TrainingMethod.of(root.getString(t + "method")),
          root.getInt(t + "epochs"),
          root.getInt(t + "batch-size"),
          new SgdSettings(
              root.getDouble(t + "learning-rate"),
              root.getDouble(t + "momentum"),
              root.getDouble(t + "weight-decay")),
          new ScheduleSettings(
              root.getString(s + "kind"),
              root.getDoubleList(s + "milestones"),
              root.getDouble(s + "gamma"),
              root.getInt(s + "patience"),
              root.getDouble(s + "threshold")),
          root.getString(t + "augmentation"),
          root.getInt(t + "checkpoint-every"),
          root.getInt(t + "keep-checkpoints"),
          root.getLong(t + "seed"),
          new AttackConfig(
              autoOrDouble(root, a + "eps"),
              autoOrDouble(root, a + "alpha"),
              root.getInt(a + "train-steps"),
              root.getInt(a + "eval-steps"),
              root.getBoolean(a + "random-start")),
          new IgdSettings(
              root.getDouble(i + "lambda"),
              GradientTarget.of(root.getString(i + "gradient-target")),
              cleanOrAdversarial(root.getString(i + "student-gradient-at"))),
          root.getDouble("igd.trades.beta"),
          root.getInt("igd.eval.batch-size"));
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** PGD settings for data with this many channels and the given number of steps. */
  public PgdSettings attack(int channels, int steps) {
    PgdSettings defaults = PgdSettings.defaults(channels, steps);
    double eps = Double.isNaN(attackConfig.eps()) ? defaults.eps() : attackConfig.eps();
    double alpha = Double.isNaN(attackConfig.alpha()) ? defaults.alpha() : attackConfig.alpha();
    return new PgdSettings(eps, alpha, steps, attackConfig.randomStart());
  }

  private static double autoOrDouble(Config c, String key) {
    if (c.getValue(key).unwrapped() instanceof String text && text.equals("auto")) {
      return Double.NaN;
    }
    try {
      return c.getDouble(key);
    } catch (ConfigException.WrongType e) {
      throw new IllegalArgumentException(
          key + " must be a number or auto, was " + c.getValue(key).render());
    }
  }

  private static boolean cleanOrAdversarial(String value) {
    return switch (value) {
      case "clean" -> true;
      case "adversarial" -> false;
      default ->
          throw new IllegalArgumentException(
              "igd.igd.student-gradient-at must be clean or adversarial, was '" + value + "'");
    };
  }
}
