package io.igdstream.streams.evaluate;

import io.igdstream.core.eval.ModelResult;
import io.igdstream.core.eval.RobustnessReport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Model results and reports for the evaluator's tests: every test run, or only clean. */
final class Results {

  private Results() {}

  /** Every test run; values depend on {@code version} so a newer snapshot differs. */
  static ModelResult full(String id, long version) {
    double d = version / 1000.0;
    Map<Double, Double> inaAdd = new LinkedHashMap<>();
    inaAdd.put(0.004, 0.10 + d); // out of order: the Avro list is sorted by fraction
    inaAdd.put(0.002, 0.05 + d);
    Map<String, Map<Integer, Double>> corruptions = new LinkedHashMap<>();
    corruptions.put("gaussian_noise", severities(0.1 + d, 0.3 + d));
    corruptions.put("contrast", severities(0.2 + d, 0.6 + d));
    return new ModelResult(
        id,
        version,
        "small-cnn",
        "igd",
        0.91 + d,
        0.73 + d,
        0.62 + d,
        0.55 + d,
        new double[] {0.6, 0.64},
        new double[] {0.5, 0.6},
        inaAdd,
        Map.of(0.002, 0.07 + d),
        Map.of(0.02, 0.01 + d, 0.04, 0.03 + d),
        0.2 + d,
        0.3 + d,
        corruptions,
        List.of(new float[] {0.1f, 0.2f}));
  }

  /** Only clean run: every other test null, corruptions empty, as the suite makes it. */
  static ModelResult cleanOnly(String id, long version) {
    return new ModelResult(
        id,
        version,
        "small-cnn",
        "nat",
        0.88,
        null,
        null,
        null,
        new double[0],
        new double[0],
        null,
        null,
        null,
        null,
        null,
        Map.of(),
        List.of());
  }

  static RobustnessReport report(ModelResult model) {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("pgd_eps", 0.1);
    settings.put("pgd_steps", 20);
    return new RobustnessReport(
        "fashion-mnist",
        1,
        28,
        28,
        48,
        31,
        5L,
        settings,
        List.of(model),
        Map.of("clean", 1.5, "pgd", 12.25),
        Set.of());
  }

  private static Map<Integer, Double> severities(double low, double high) {
    Map<Integer, Double> m = new LinkedHashMap<>();
    for (int s = 1; s <= 5; s++) {
      m.put(s, low + (high - low) * (s - 1) / 4);
    }
    return m;
  }
}
