package io.igdstream.core.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.igdstream.core.model.GradientModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The AutoAttack ensemble (Croce & Hein, ICML 2020, arXiv 2003.01690) as its reference
 * implementation runs it: a clean pass, then each member in turn on the points still robust
 * (ascending index, in batches, every batch given the same seed), a point counting as broken as
 * soon as one member's x_adv is misclassified. Robust accuracy is therefore the point-wise worst
 * case over the members. Versions (docs/PROTOCOL.md §2): {@code standard} = APGD-CE → APGD-T →
 * FAB-T → Square, {@code apgd} = APGD-CE → APGD-T.
 *
 * <p>Every member's x_adv passes {@link PerturbationCheck} before it counts: a perturbation outside
 * the threat model is an error, never a success.
 */
public final class AutoAttack {

  /** A member of the ensemble: its report name and the attack. */
  public record Member(String name, Attack attack) {
    public Member {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(attack, "attack");
    }
  }

  /** Told how far a member has come, in points of the member's own run. */
  @FunctionalInterface
  public interface Progress {
    void update(String member, int done, int total);

    Progress NONE = (member, done, total) -> {};
  }

  private final String version;
  private final Norm norm;
  private final double eps;
  private final List<Member> members;
  private final List<String> notes;
  private final int batchSize;

  /**
   * @param version the version's name for the report
   * @param members the attacks in the order they run
   * @param notes what the version left out and why (reported as is)
   * @param batchSize points per {@code perturb} call (the reference uses 250)
   */
  public AutoAttack(
      String version,
      Norm norm,
      double eps,
      List<Member> members,
      List<String> notes,
      int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch-size must be >= 1, was " + batchSize);
    }
    if (!(eps >= 0)) {
      throw new IllegalArgumentException("eps must be >= 0, was " + eps);
    }
    this.version = version;
    this.norm = norm;
    this.eps = eps;
    this.members = List.copyOf(members);
    this.notes = List.copyOf(notes);
    this.batchSize = batchSize;
  }

  public String version() {
    return version;
  }

  public Norm norm() {
    return norm;
  }

  public double eps() {
    return eps;
  }

  public List<Member> members() {
    return members;
  }

  /**
   * Runs the ensemble on images {@code x} (N, C, H, W) in [0, 1] with labels {@code labels} (N).
   * The model runs in inference mode throughout.
   */
  public AutoAttackResult run(
      GradientModel model, NDArray x, NDArray labels, long seed, Progress progress) {
    int n = Math.toIntExact(x.getShape().get(0));
    long[] y = labels.toType(ai.djl.ndarray.types.DataType.INT64, false).toLongArray();
    boolean[] robust = new boolean[n];
    for (int start = 0; start < n; start += batchSize) {
      int end = Math.min(n, start + batchSize);
      try (NDManager scope = x.getManager().newSubManager()) {
        long[] predicted = predictions(model, slice(x, start, end, scope));
        for (int i = start; i < end; i++) {
          robust[i] = predicted[i - start] == y[i];
        }
      }
    }
    double clean = fraction(robust);
    List<AutoAttackResult.Outcome> outcomes = new ArrayList<>();
    for (Member member : members) {
      int[] targets = indicesOf(robust);
      if (targets.length == 0) {
        break; // nothing left to attack, as the reference stops
      }
      long t0 = System.nanoTime();
      int broken = 0;
      progress.update(member.name(), 0, targets.length);
      for (int from = 0; from < targets.length; from += batchSize) {
        int to = Math.min(targets.length, from + batchSize);
        try (NDManager scope = x.getManager().newSubManager()) {
          NDArray rows = scope.create(java.util.Arrays.copyOfRange(targets, from, to));
          NDArray xb = x.get(new NDIndex("{}", rows));
          NDArray yb = labels.get(new NDIndex("{}", rows));
          xb.attach(scope);
          yb.attach(scope);
          NDArray xAdv = member.attack().perturb(model, xb, yb, seed);
          xAdv.attach(scope);
          PerturbationCheck.requireValid(member.name(), xb, xAdv, norm, eps);
          long[] predicted = predictions(model, xAdv);
          for (int i = from; i < to; i++) {
            if (predicted[i - from] != y[targets[i]]) {
              robust[targets[i]] = false;
              broken++;
            }
          }
        }
        progress.update(member.name(), to, targets.length);
      }
      outcomes.add(
          new AutoAttackResult.Outcome(
              member.name(),
              targets.length,
              broken,
              fraction(robust),
              seed,
              (System.nanoTime() - t0) / 1e9));
    }
    return new AutoAttackResult(
        version, norm, eps, n, clean, List.copyOf(outcomes), fraction(robust), robust, notes);
  }

  private static NDArray slice(NDArray x, int start, int end, NDManager scope) {
    NDArray part = x.get(start + ":" + end);
    part.attach(scope);
    return part;
  }

  private static long[] predictions(GradientModel model, NDArray xb) {
    try (NDManager scope = xb.getManager().newSubManager()) {
      NDArray logits = model.logits(xb, false);
      logits.attach(scope);
      NDArray argmax = logits.argMax(1);
      argmax.attach(scope);
      return argmax.toType(ai.djl.ndarray.types.DataType.INT64, false).toLongArray();
    }
  }

  private static int[] indicesOf(boolean[] flags) {
    int count = 0;
    for (boolean f : flags) {
      count += f ? 1 : 0;
    }
    int[] idx = new int[count];
    int k = 0;
    for (int i = 0; i < flags.length; i++) {
      if (flags[i]) {
        idx[k++] = i;
      }
    }
    return idx;
  }

  private static double fraction(boolean[] flags) {
    return flags.length == 0 ? Double.NaN : (double) indicesOf(flags).length / flags.length;
  }
}
