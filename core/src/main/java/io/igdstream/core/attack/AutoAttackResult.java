package io.igdstream.core.attack;

import java.util.List;

/**
 * What one AutoAttack run measured on n test points (the reference implementation's printout, as a
 * record).
 *
 * @param version {@code standard} or {@code apgd}
 * @param norm the threat model's norm
 * @param eps its radius
 * @param points test points evaluated (accuracies are over these; a clean error is never robust)
 * @param cleanAccuracy fraction classified correctly on clean input
 * @param attacks each member in the order run, with the robust accuracy after it (cumulative, as
 *     the reference prints it: the first member's is its own accuracy)
 * @param robustAccuracy the ensemble's: points that survived every member, over {@code points}
 * @param robust per point: correct on clean input and not broken by any member
 * @param notes what was skipped and why (e.g. targeted members below 4 classes)
 */
public record AutoAttackResult(
    String version,
    Norm norm,
    double eps,
    int points,
    double cleanAccuracy,
    List<Outcome> attacks,
    double robustAccuracy,
    boolean[] robust,
    List<String> notes) {

  /**
   * One member's share of the run.
   *
   * @param name the member's report name ({@code apgd-ce}, {@code apgd-t}, {@code fab-t}, {@code
   *     square})
   * @param attacked points it was run on (those still robust before it)
   * @param broken points it broke (robust before, misclassified on its x_adv)
   * @param robustAccuracyAfter the ensemble's robust accuracy after this member
   * @param seed the seed each of its batches was given
   * @param seconds wall time it took
   */
  public record Outcome(
      String name,
      int attacked,
      int broken,
      double robustAccuracyAfter,
      long seed,
      double seconds) {}

  /** The outcome of the member named {@code name}, or null if it did not run. */
  public Outcome outcome(String name) {
    return attacks.stream().filter(o -> o.name().equals(name)).findFirst().orElse(null);
  }
}
