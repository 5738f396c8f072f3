package io.igdstream.core.eval;

import io.igdstream.core.attack.AutoAttackResult;
import java.util.List;
import java.util.Map;

/**
 * One model's results in a {@link RobustnessReport}. Accuracies are over the whole evaluated test
 * set; error rates over the joint-correct subset. Tests that were not run are null.
 *
 * @param modelId the model's name (its file, or model id in the streaming system)
 * @param snapshotVersion the snapshot version (−1 for a file)
 * @param pgd20Accuracy accuracy under PGD-20 (counted correct only if also correct clean)
 * @param giniPixel mean Gini of |saliency| over all C·H·W elements
 * @param giniRegional mean Gini of block-averaged |saliency|
 * @param giniPixelSamples per-sample pixel Gini values (for the distribution plot)
 * @param inaAdd error rate per fraction t of the inductive noise attack, additive variant
 * @param inaReplace the same, replacing variant
 * @param rn error rate per fraction t of random noise
 * @param ioaGrey error rate of the inductive occlusion attack with fill 0.5
 * @param ioaWhite the same with fill 1.0
 * @param corruptions error rate per corruption name and severity 1–5
 * @param saliencyExamples a few channel-averaged |saliency| maps (H·W each), for the picture grid
 * @param autoAttack the AutoAttack run (its own points: the first {@code limit} test images), or
 *     null when not run
 */
public record ModelResult(
    String modelId,
    long snapshotVersion,
    String architecture,
    String method,
    double cleanAccuracy,
    Double pgd20Accuracy,
    Double giniPixel,
    Double giniRegional,
    double[] giniPixelSamples,
    double[] giniRegionalSamples,
    Map<Double, Double> inaAdd,
    Map<Double, Double> inaReplace,
    Map<Double, Double> rn,
    Double ioaGrey,
    Double ioaWhite,
    Map<String, Map<Integer, Double>> corruptions,
    List<float[]> saliencyExamples,
    AutoAttackResult autoAttack) {

  /** A result without an AutoAttack run. */
  public ModelResult(
      String modelId,
      long snapshotVersion,
      String architecture,
      String method,
      double cleanAccuracy,
      Double pgd20Accuracy,
      Double giniPixel,
      Double giniRegional,
      double[] giniPixelSamples,
      double[] giniRegionalSamples,
      Map<Double, Double> inaAdd,
      Map<Double, Double> inaReplace,
      Map<Double, Double> rn,
      Double ioaGrey,
      Double ioaWhite,
      Map<String, Map<Integer, Double>> corruptions,
      List<float[]> saliencyExamples) {
    this(
        modelId,
        snapshotVersion,
        architecture,
        method,
        cleanAccuracy,
        pgd20Accuracy,
        giniPixel,
        giniRegional,
        giniPixelSamples,
        giniRegionalSamples,
        inaAdd,
        inaReplace,
        rn,
        ioaGrey,
        ioaWhite,
        corruptions,
        saliencyExamples,
        null);
  }

  /** This result with {@code run} as its AutoAttack result. */
  public ModelResult withAutoAttack(AutoAttackResult run) {
    return new ModelResult(
        modelId,
        snapshotVersion,
        architecture,
        method,
        cleanAccuracy,
        pgd20Accuracy,
        giniPixel,
        giniRegional,
        giniPixelSamples,
        giniRegionalSamples,
        inaAdd,
        inaReplace,
        rn,
        ioaGrey,
        ioaWhite,
        corruptions,
        saliencyExamples,
        run);
  }

  /** Mean error over the severities of one corruption. */
  public double corruptionMean(String name) {
    return corruptions.get(name).values().stream()
        .mapToDouble(Double::doubleValue)
        .average()
        .orElse(Double.NaN);
  }

  /** Mean error over every corruption and severity (RobustBench's convention). */
  public double corruptionMean() {
    return corruptions.values().stream()
        .flatMap(m -> m.values().stream())
        .mapToDouble(Double::doubleValue)
        .average()
        .orElse(Double.NaN);
  }
}
