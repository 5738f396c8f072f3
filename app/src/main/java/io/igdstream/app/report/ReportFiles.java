package io.igdstream.app.report;

import io.igdstream.core.attack.AutoAttackResult;
import io.igdstream.core.corruption.Corruptions;
import io.igdstream.core.eval.Interval;
import io.igdstream.core.eval.ModelResult;
import io.igdstream.core.eval.RobustnessReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Writes a {@link RobustnessReport} as report.json (metric names as scripts expect them:
 * clean_accuracy, pgd20_accuracy, the AutoAttack keys (apgd_ce_accuracy, apgd_t_accuracy,
 * fab_t_accuracy, square_accuracy: the ensemble's robust accuracy after each member, as the
 * reference implementation prints it; autoattack_accuracy: the ensemble's), gini_pixel,
 * gini_regional, ina_add, ina_replace, rn, ioa_grey, ioa_white and the corruption names), report.md
 * (one table per test, models side by side, each model's error change relative to the first in %)
 * and PNG plots.
 */
public final class ReportFiles {

  private ReportFiles() {}

  public static void writeAll(RobustnessReport report, Path dir) {
    Json.writeFile(dir.resolve("report.json"), json(report));
    try {
      Files.writeString(dir.resolve("report.md"), markdown(report));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write report.md", e);
    }
    plots(report, dir);
  }

  static Map<String, Object> json(RobustnessReport report) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("dataset", report.dataset());
    root.put("samples", report.samples());
    root.put("joint_correct", report.jointCorrect());
    root.put("seed", report.seed());
    root.put("settings", report.settings());
    List<Map<String, Object>> models = new ArrayList<>();
    for (ModelResult m : report.models()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("model", m.modelId());
      row.put("snapshot_version", m.snapshotVersion());
      row.put("architecture", m.architecture());
      row.put("method", m.method());
      row.put("clean_accuracy", m.cleanAccuracy());
      row.put("pgd20_accuracy", m.pgd20Accuracy());
      if (m.autoAttack() != null) {
        autoAttackJson(m.autoAttack(), row);
      }
      row.put("gini_pixel", m.giniPixel());
      row.put("gini_regional", m.giniRegional());
      row.put("ina_add", byFraction(m.inaAdd()));
      row.put("ina_replace", byFraction(m.inaReplace()));
      row.put("rn", byFraction(m.rn()));
      row.put("ioa_grey", m.ioaGrey());
      row.put("ioa_white", m.ioaWhite());
      if (!m.corruptions().isEmpty()) {
        Map<String, Object> corruptions = new LinkedHashMap<>();
        m.corruptions()
            .forEach(
                (name, bySeverity) -> {
                  Map<String, Object> entry = new LinkedHashMap<>();
                  bySeverity.forEach((s, v) -> entry.put(Integer.toString(s), v));
                  entry.put("mean", m.corruptionMean(name));
                  corruptions.put(name, entry);
                });
        row.put("corruptions", corruptions);
        row.put("corruption_mean", m.corruptionMean());
      }
      row.put("ci95", intervals(m, report));
      models.add(row);
    }
    root.put("models", models);
    root.put("seconds", report.seconds());
    return root;
  }

  /**
   * 95 % Wilson intervals [low, high] of every accuracy (over the test images, or AutoAttack's own
   * points) and error rate (over the joint-correct subset) of one model, keyed like the row.
   */
  static Map<String, Object> intervals(ModelResult m, RobustnessReport r) {
    Map<String, Object> ci = new LinkedHashMap<>();
    ci.put("clean_accuracy", bounds(m.cleanAccuracy(), r.samples()));
    if (m.pgd20Accuracy() != null) {
      ci.put("pgd20_accuracy", bounds(m.pgd20Accuracy(), r.samples()));
    }
    if (m.autoAttack() != null) {
      int n = m.autoAttack().points();
      for (AutoAttackResult.Outcome o : m.autoAttack().attacks()) {
        ci.put(o.name().replace('-', '_') + "_accuracy", bounds(o.robustAccuracyAfter(), n));
      }
      ci.put("autoattack_accuracy", bounds(m.autoAttack().robustAccuracy(), n));
    }
    int subset = r.jointCorrect();
    for (var e :
        Map.of(
                "ina_add",
                nullSafe(m.inaAdd()),
                "ina_replace",
                nullSafe(m.inaReplace()),
                "rn",
                nullSafe(m.rn()))
            .entrySet()) {
      if (!e.getValue().isEmpty()) {
        Map<String, Object> byT = new LinkedHashMap<>();
        e.getValue()
            .forEach((t, v) -> byT.put(String.format(Locale.ROOT, "%.3f", t), bounds(v, subset)));
        ci.put(e.getKey(), byT);
      }
    }
    if (m.ioaGrey() != null) {
      ci.put("ioa_grey", bounds(m.ioaGrey(), subset));
      ci.put("ioa_white", bounds(m.ioaWhite(), subset));
    }
    if (!m.corruptions().isEmpty()) {
      Map<String, Object> corruptions = new LinkedHashMap<>();
      m.corruptions()
          .forEach(
              (name, bySeverity) -> {
                Map<String, Object> entry = new LinkedHashMap<>();
                bySeverity.forEach((sv, v) -> entry.put(Integer.toString(sv), bounds(v, subset)));
                corruptions.put(name, entry);
              });
      ci.put("corruptions", corruptions);
    }
    return ci;
  }

  private static Map<Double, Double> nullSafe(Map<Double, Double> rates) {
    return rates == null ? Map.of() : rates;
  }

  /** The Wilson interval of a rate measured on n images (the count is rate·n, rounded). */
  public static Interval wilson(double rate, int n) {
    return Interval.wilson(Math.round(rate * n), n);
  }

  private static List<Double> bounds(double rate, int n) {
    Interval i = wilson(rate, n);
    return List.of(i.low(), i.high());
  }

  /** {@code 0.6820 [0.6728, 0.6910]}. */
  static String withInterval(Double rate, int n) {
    return rate == null ? "–" : wilson(rate, n).format(4);
  }

  /** {@code 0.0048 ±0.0015}: the compact form for wide tables (the larger side of the interval). */
  static String plusMinus(double rate, int n) {
    Interval i = wilson(rate, n);
    double h = Math.max(i.high() - rate, rate - i.low());
    return String.format(Locale.ROOT, "%.4f ±%.4f", rate, h);
  }

  /** The AutoAttack keys of one model's row (docs/PROTOCOL.md §2). */
  static void autoAttackJson(AutoAttackResult aa, Map<String, Object> row) {
    for (String member : MEMBERS) {
      AutoAttackResult.Outcome o = aa.outcome(member);
      row.put(member.replace('-', '_') + "_accuracy", o == null ? null : o.robustAccuracyAfter());
    }
    row.put("autoattack_accuracy", aa.robustAccuracy());
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("version", aa.version());
    detail.put("norm", aa.norm().key());
    detail.put("eps", aa.eps());
    detail.put("n_points", aa.points());
    detail.put("clean_accuracy", aa.cleanAccuracy());
    List<Map<String, Object>> attacks = new ArrayList<>();
    for (AutoAttackResult.Outcome o : aa.attacks()) {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("attack", o.name());
      a.put("attacked", o.attacked());
      a.put("broken", o.broken());
      a.put("robust_accuracy_after", o.robustAccuracyAfter());
      a.put("seed", o.seed());
      a.put("seconds", o.seconds());
      attacks.add(a);
    }
    detail.put("attacks", attacks);
    detail.put("notes", aa.notes());
    row.put("autoattack", detail);
  }

  /** The members of the standard version, in the order they run. */
  static final List<String> MEMBERS = List.of("apgd-ce", "apgd-t", "fab-t", "square");

  /** ε as a reader knows it: 8/255 rather than 0.0314, 0.1 as is. */
  public static String formatEps(double eps) {
    for (int k = 1; k <= 16; k++) {
      if (Math.abs(eps * 255 - k) < 1e-9) {
        return k + "/255";
      }
    }
    return new java.math.BigDecimal(String.format(Locale.ROOT, "%.4g", eps))
        .stripTrailingZeros()
        .toPlainString();
  }

  private static Map<String, Double> byFraction(Map<Double, Double> rates) {
    if (rates == null) {
      return null;
    }
    Map<String, Double> out = new LinkedHashMap<>();
    rates.forEach((t, v) -> out.put(String.format(Locale.ROOT, "%.3f", t), v));
    return out;
  }

  /**
   * AutoAttack: per model, the robust accuracy after each member (the reference's printout), the
   * points each member broke and its time.
   */
  static void autoAttackTable(StringBuilder md, List<ModelResult> ms) {
    if (ms.stream().allMatch(m -> m.autoAttack() == null)) {
      return;
    }
    AutoAttackResult first =
        ms.stream().filter(m -> m.autoAttack() != null).findFirst().get().autoAttack();
    md.append(
        String.format(
            Locale.ROOT,
            "%n## AutoAttack (%s, %s, ε = %s, first %d test images)%n%n"
                + "Robust accuracy after each attack (each runs only on the points still robust;"
                + " the last column is the ensemble's, the headline number), and in brackets the"
                + " points it broke. AutoAttack carries its 95 %% Wilson interval; Δ is its difference from the first"
                + " model's on the same images, with a paired bootstrap interval.%n%n"
                + "| model | clean | APGD-CE | APGD-T | FAB-T | Square | AutoAttack | Δ vs first |"
                + " time (s) |%n"
                + "|---|---|---|---|---|---|---|---|---|%n",
            first.version(),
            first.norm().key(),
            formatEps(first.eps()),
            first.points()));
    for (ModelResult m : ms) {
      AutoAttackResult aa = m.autoAttack();
      if (aa == null) {
        continue;
      }
      StringBuilder row = new StringBuilder();
      row.append(String.format(Locale.ROOT, "| %s | %.4f |", m.modelId(), aa.cleanAccuracy()));
      double seconds = 0;
      for (String member : MEMBERS) {
        AutoAttackResult.Outcome o = aa.outcome(member);
        if (o == null) {
          row.append(" – |");
        } else {
          row.append(
              String.format(Locale.ROOT, " %.4f (%d) |", o.robustAccuracyAfter(), o.broken()));
          seconds += o.seconds();
        }
      }
      String diff = "";
      if (aa != first && aa.points() == first.points()) {
        Interval d = Interval.pairedDifference(aa.robust(), first.robust(), 0);
        diff = String.format(Locale.ROOT, "%+.4f [%+.4f, %+.4f]", d.estimate(), d.low(), d.high());
      }
      row.append(
          String.format(
              Locale.ROOT,
              " **%s** | %s | %.0f |%n",
              wilson(aa.robustAccuracy(), aa.points()).format(4),
              diff,
              seconds));
      md.append(row);
    }
    for (String note : first.notes()) {
      md.append("\nNote: ").append(note).append("\n");
    }
  }

  static String markdown(RobustnessReport r) {
    StringBuilder md = new StringBuilder();
    md.append("# Robustness report: ").append(r.dataset()).append("\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "%d test images; accuracies over all of them, error rates over the %d images every model classifies correctly (joint-correct subset). Seed %d. Δ = change of each model's error relative to the first model's. Brackets and ± give 95 %% Wilson intervals.%n%n",
            r.samples(),
            r.jointCorrect(),
            r.seed()));
    List<ModelResult> ms = r.models();
    md.append("## Accuracy\n\n| model | method | clean | PGD-20 |\n|---|---|---|---|\n");
    for (ModelResult m : ms) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %s |%n",
              m.modelId(),
              m.method(),
              withInterval(m.cleanAccuracy(), r.samples()),
              withInterval(m.pgd20Accuracy(), r.samples())));
    }
    autoAttackTable(md, ms);
    if (ms.get(0).giniPixel() != null) {
      md.append(
          "\n## Gini of saliency (lower = more equal)\n\n| model | pixel | regional |\n|---|---|---|\n");
      for (ModelResult m : ms) {
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %.4f | %.4f |%n",
                m.modelId(),
                m.giniPixel(),
                m.giniRegional()));
      }
    }
    int subset = r.jointCorrect();
    fractionTable(md, "Inductive noise attack, add (error rate)", ms, ModelResult::inaAdd, subset);
    fractionTable(
        md, "Inductive noise attack, replace (error rate)", ms, ModelResult::inaReplace, subset);
    fractionTable(md, "Random noise (error rate)", ms, ModelResult::rn, subset);
    if (ms.get(0).ioaGrey() != null) {
      md.append(
          "\n## Inductive occlusion attack (error rate)\n\n| model | grey (0.5) | Δ | white (1.0) | Δ |\n|---|---|---|---|---|\n");
      for (ModelResult m : ms) {
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %s | %s | %s |%n",
                m.modelId(),
                plusMinus(m.ioaGrey(), r.jointCorrect()),
                delta(m.ioaGrey(), ms.get(0).ioaGrey()),
                plusMinus(m.ioaWhite(), r.jointCorrect()),
                delta(m.ioaWhite(), ms.get(0).ioaWhite())));
      }
    }
    if (!ms.get(0).corruptions().isEmpty()) {
      md.append("\n## Corruptions (error rate, mean over severities 1–5)\n\n| corruption |");
      ms.forEach(m -> md.append(' ').append(m.modelId()).append(" |"));
      ms.stream().skip(1).forEach(m -> md.append(" Δ ").append(m.modelId()).append(" |"));
      md.append("\n|---|").append("---|".repeat(ms.size() * 2 - 1)).append('\n');
      List<String> names = new ArrayList<>(Corruptions.names());
      names.add("mean");
      for (String name : names) {
        md.append("| ").append(name).append(" |");
        for (ModelResult m : ms) {
          md.append(String.format(Locale.ROOT, " %.4f |", corruption(m, name)));
        }
        for (ModelResult m : ms.subList(1, ms.size())) {
          md.append(' ')
              .append(delta(corruption(m, name), corruption(ms.get(0), name)))
              .append(" |");
        }
        md.append('\n');
      }
    }
    md.append("\n## Time per test (s)\n\n| test | seconds |\n|---|---|\n");
    r.seconds().forEach((t, s) -> md.append(String.format(Locale.ROOT, "| %s | %.1f |%n", t, s)));
    return md.toString();
  }

  private static double corruption(ModelResult m, String name) {
    return name.equals("mean") ? m.corruptionMean() : m.corruptionMean(name);
  }

  private static void fractionTable(
      StringBuilder md,
      String title,
      List<ModelResult> ms,
      Function<ModelResult, Map<Double, Double>> get,
      int subset) {
    if (get.apply(ms.get(0)) == null) {
      return;
    }
    md.append("\n## ").append(title).append("\n\n| t |");
    ms.forEach(m -> md.append(' ').append(m.modelId()).append(" |"));
    ms.stream().skip(1).forEach(m -> md.append(" Δ ").append(m.modelId()).append(" |"));
    md.append("\n|---|").append("---|".repeat(ms.size() * 2 - 1)).append('\n');
    for (Double t : get.apply(ms.get(0)).keySet()) {
      md.append(String.format(Locale.ROOT, "| %.3f |", t));
      for (ModelResult m : ms) {
        md.append(' ').append(plusMinus(get.apply(m).get(t), subset)).append(" |");
      }
      for (ModelResult m : ms.subList(1, ms.size())) {
        md.append(' ').append(delta(get.apply(m).get(t), get.apply(ms.get(0)).get(t))).append(" |");
      }
      md.append('\n');
    }
  }

  /** Relative change of an error rate against the reference, in %. */
  static String delta(double value, double reference) {
    if (reference == 0) {
      return value == 0 ? "0%" : "n/a";
    }
    return String.format(Locale.ROOT, "%+.1f%%", 100 * (value - reference) / reference);
  }

  private static String fmt(Double v) {
    return v == null ? "–" : String.format(Locale.ROOT, "%.4f", v);
  }

  static void plots(RobustnessReport r, Path dir) {
    List<ModelResult> ms = r.models();
    linePlot(dir.resolve("ina_add.png"), "Inductive noise attack (add)", ms, ModelResult::inaAdd);
    linePlot(
        dir.resolve("ina_replace.png"),
        "Inductive noise attack (replace)",
        ms,
        ModelResult::inaReplace);
    linePlot(dir.resolve("rn.png"), "Random noise", ms, ModelResult::rn);
    if (ms.stream().anyMatch(m -> m.autoAttack() != null)) {
      // robust accuracy per attack and model: clean, then after each member, then the ensemble
      Map<String, Map<String, Double>> bars = new LinkedHashMap<>();
      for (ModelResult m : ms) {
        AutoAttackResult aa = m.autoAttack();
        if (aa == null) {
          continue;
        }
        Map<String, Double> row = new LinkedHashMap<>();
        row.put("clean", aa.cleanAccuracy());
        if (m.pgd20Accuracy() != null) {
          row.put("PGD-20", m.pgd20Accuracy());
        }
        for (AutoAttackResult.Outcome o : aa.attacks()) {
          row.put("after " + o.name(), o.robustAccuracyAfter());
        }
        row.put("AutoAttack", aa.robustAccuracy());
        bars.put(m.modelId(), row);
      }
      Plots.bars(
          dir.resolve("autoattack.png"),
          "Robust accuracy per attack (AutoAttack " + ms.get(0).autoAttack().version() + ")",
          "attack",
          "accuracy",
          bars);
    }
    if (ms.get(0).ioaGrey() != null) {
      Map<String, Map<String, Double>> bars = new LinkedHashMap<>();
      ms.forEach(
          m ->
              bars.put(
                  m.modelId(), Map.of("grey (0.5)", m.ioaGrey(), "white (1.0)", m.ioaWhite())));
      Plots.bars(dir.resolve("ioa.png"), "Inductive occlusion attack", "fill", "error rate", bars);
    }
    if (!ms.get(0).corruptions().isEmpty()) {
      Map<String, Map<String, Double>> means = new LinkedHashMap<>();
      for (ModelResult m : ms) {
        Map<String, Double> row = new LinkedHashMap<>();
        Corruptions.names().forEach(n -> row.put(n, m.corruptionMean(n)));
        means.put(m.modelId(), row);
      }
      Plots.bars(
          dir.resolve("corruptions.png"),
          "Corruption error (mean over severities)",
          "corruption",
          "error rate",
          means);
      Map<String, double[][]> bySeverity = new LinkedHashMap<>();
      for (ModelResult m : ms) {
        for (String n : Corruptions.noiseFamily()) {
          double[][] pts = new double[5][];
          for (int s = 1; s <= 5; s++) {
            pts[s - 1] = new double[] {s, m.corruptions().get(n).get(s)};
          }
          bySeverity.put(m.modelId() + " " + n, pts);
        }
      }
      Plots.lines(
          dir.resolve("corruptions_noise_severity.png"),
          "Noise corruptions by severity",
          "severity",
          "error rate",
          bySeverity);
    }
    if (ms.get(0).giniPixel() != null) {
      Map<String, double[]> pixel = new LinkedHashMap<>();
      Map<String, double[]> regional = new LinkedHashMap<>();
      ms.forEach(
          m -> {
            pixel.put(m.modelId(), m.giniPixelSamples());
            regional.put(m.modelId(), m.giniRegionalSamples());
          });
      Plots.histograms(
          dir.resolve("gini_pixel.png"), "Gini of saliency, pixel scale", "Gini", pixel);
      Plots.histograms(
          dir.resolve("gini_regional.png"), "Gini of saliency, regional scale", "Gini", regional);
      List<String> names = ms.stream().map(ModelResult::modelId).toList();
      List<List<float[]>> rows = ms.stream().map(ModelResult::saliencyExamples).toList();
      Plots.mapGrid(
          dir.resolve("saliency.png"),
          "|saliency| (channel mean) on the first joint-correct test images",
          names,
          rows,
          r.height(),
          r.width());
    }
  }

  private static void linePlot(
      Path file,
      String title,
      List<ModelResult> ms,
      Function<ModelResult, Map<Double, Double>> get) {
    if (get.apply(ms.get(0)) == null) {
      return;
    }
    Map<String, double[][]> series = new LinkedHashMap<>();
    for (ModelResult m : ms) {
      double[][] pts =
          get.apply(m).entrySet().stream()
              .map(e -> new double[] {e.getKey(), e.getValue()})
              .toArray(double[][]::new);
      series.put(m.modelId(), pts);
    }
    Plots.lines(file, title, "fraction of elements perturbed (t)", "error rate", series);
  }
}
