package io.igdstream.streams.evaluate;

import io.igdstream.core.eval.ModelResult;
import io.igdstream.core.eval.RobustnessReport;

/**
 * One snapshot's published evaluation: the full core report (with the per-sample data the Avro
 * record leaves out, which the final report files and plots need) and how it was made.
 *
 * @param version the snapshot version
 * @param isFinal whether the snapshot's facts said final=true
 * @param report the report of this one model, its {@link ModelResult#snapshotVersion()} set
 * @param seconds the evaluation's wall time, seconds
 * @param corruptedFallbacks corrupted images computed in-process because {@code
 *     {ns}.test.corrupted} lacked them (0 when the corruption test did not run)
 */
public record Evaluation(
    long version,
    boolean isFinal,
    RobustnessReport report,
    double seconds,
    long corruptedFallbacks) {

  /** The model's results. */
  public ModelResult result() {
    return report.models().get(0);
  }
}
