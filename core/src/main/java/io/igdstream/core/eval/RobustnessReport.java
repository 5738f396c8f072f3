package io.igdstream.core.eval;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The robustness report of one or more models on one test set (docs/PROTOCOL.md §2): what the
 * evaluator publishes per snapshot and what {@code igd eval} writes.
 *
 * @param channels the images' channels, height and width (the saliency examples are H·W maps)
 * @param samples test images evaluated (accuracies are over these)
 * @param jointCorrect the subset every model classifies correctly (error rates are over these)
 * @param seed the seed every random draw derives from, with the sample id and the test's name
 * @param settings the attack and test settings used
 * @param seconds wall time per test
 * @param skipped the tests asked for that were not run because the joint-correct subset is empty
 *     (no test image is classified correctly by every model); empty when every test ran
 */
public record RobustnessReport(
    String dataset,
    int channels,
    int height,
    int width,
    int samples,
    int jointCorrect,
    long seed,
    Map<String, Object> settings,
    List<ModelResult> models,
    Map<String, Double> seconds,
    Set<SuiteTest> skipped) {

  public RobustnessReport {
    skipped = Set.copyOf(skipped);
  }

  /** Whether tests were left out because no test image is classified correctly by every model. */
  public boolean subsetEmpty() {
    return !skipped.isEmpty();
  }
}
