package io.igdstream.core.train;

import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.io.TensorData;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.NativeMemory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The step bookkeeping both trainers share ({@link LocalTrainer} and the Kafka-fed one): the global
 * step count, the learning-rate schedule and the loss of the epoch so far (for the plateau
 * decision), the divergence check, the periodic native-memory release, and the part of a checkpoint
 * they make with the model and optimiser. Each trainer adds its own metadata and checks.
 *
 * <p>Not thread-safe; {@link #checkpoint} and {@link #resume} do DJL work and run where the model
 * lives.
 */
public final class TrainingLedger {

  private static final String SCHEDULE = "schedule.";

  private final LearningRateSchedule schedule;
  private final double baseRate;
  private final long totalSteps;
  private long step;
  private double epochLossSum;
  private long epochSteps;

  /**
   * @param baseRate the configured learning rate (the schedule starts there; divergence names it)
   * @param totalSteps the run's planned steps (multi-step milestones are fractions of it)
   */
  public TrainingLedger(ScheduleSettings schedule, double baseRate, long totalSteps) {
    if (totalSteps < 1) {
      throw new IllegalArgumentException("totalSteps must be >= 1, was " + totalSteps);
    }
    this.schedule = new LearningRateSchedule(schedule, baseRate, totalSteps);
    this.baseRate = baseRate;
    this.totalSteps = totalSteps;
  }

  /** The ledger of a run of these settings and planned steps. */
  public static TrainingLedger of(TrainSettings settings, long totalSteps) {
    return new TrainingLedger(settings.schedule(), settings.sgd().learningRate(), totalSteps);
  }

  /** Steps done (the next step's 0-based index). */
  public long step() {
    return step;
  }

  public long totalSteps() {
    return totalSteps;
  }

  /** Steps since the last {@link #endEpoch}. */
  public long epochSteps() {
    return epochSteps;
  }

  /**
   * The learning rate of the next step; past the planned total (a stream's short last batch) the
   * last planned step's rate.
   */
  public double rate() {
    return schedule.rate(Math.min(step, totalSteps - 1));
  }

  /**
   * Counts a finished step with its loss terms.
   *
   * @throws IllegalStateException if the loss is not finite (training diverged); nothing is counted
   */
  public void stepped(StepTerms terms) {
    if (!Double.isFinite(terms.total())) {
      throw new IllegalStateException(
          "training diverged at step "
              + step
              + " (loss "
              + terms.total()
              + "); lower igd.train.learning-rate (now "
              + baseRate
              + ")");
    }
    step++;
    NativeMemory.releaseEvery(step); // keeps resident memory flat (glibc holds freed tensors)
    epochLossSum += terms.total();
    epochSteps++;
  }

  /**
   * Ends an epoch: the schedule sees the epoch's mean loss, the sum over {@code steps} steps, and
   * the sum starts again.
   *
   * @return the mean loss
   */
  public double endEpoch(long steps) {
    double mean = epochLossSum / steps;
    schedule.epochEnded(mean);
    epochLossSum = 0;
    epochSteps = 0;
    return mean;
  }

  /** Adds what a checkpoint keeps of the ledger to {@code meta}. */
  public void writeTo(Map<String, String> meta) {
    meta.put("step", Long.toString(step));
    meta.put("epoch_loss_sum", Double.toString(epochLossSum));
    meta.put("epoch_steps", Long.toString(epochSteps));
    schedule.state().forEach((k, v) -> meta.put(SCHEDULE + k, v));
  }

  /** Restores {@link #writeTo}'s keys (a checkpoint without {@code epoch_steps} counts 0). */
  public void restore(Checkpoint c) {
    step = c.requireLong("step");
    epochLossSum = Double.parseDouble(c.require("epoch_loss_sum"));
    epochSteps = Long.parseLong(c.metadata().getOrDefault("epoch_steps", "0"));
    Map<String, String> state = new LinkedHashMap<>();
    c.metadata()
        .forEach(
            (k, v) -> {
              if (k.startsWith(SCHEDULE)) {
                state.put(k.substring(SCHEDULE.length()), v);
              }
            });
    schedule.restore(state);
  }

  /**
   * A checkpoint of {@code meta} plus the ledger, the model's weights and the optimiser's state,
   * with {@code extra} tensors beside the optimiser's (they must not share its names).
   */
  public Checkpoint checkpoint(
      Map<String, String> meta, Classifier model, Sgd sgd, Map<String, TensorData> extra) {
    Map<String, String> all = new LinkedHashMap<>(meta);
    writeTo(all);
    LinkedHashMap<String, TensorData> optimizer = new LinkedHashMap<>(sgd.state());
    optimizer.putAll(extra);
    return new Checkpoint(all, model.stateDict(), optimizer);
  }

  /**
   * Loads a {@link #checkpoint}: the weights into {@code model}, the optimiser's state into {@code
   * sgd}, the ledger's keys. The caller has checked it is of the same run.
   *
   * @param extra the names of the extra tensors, which are returned and not given to the optimiser
   */
  public Map<String, TensorData> resume(
      Checkpoint c, Classifier model, Sgd sgd, Set<String> extra) {
    LinkedHashMap<String, TensorData> optimizer = new LinkedHashMap<>(c.optimizer());
    Map<String, TensorData> extras = new LinkedHashMap<>();
    for (String name : extra) {
      TensorData t = optimizer.remove(name);
      if (t != null) {
        extras.put(name, t);
      }
    }
    model.loadStateDict(c.model());
    sgd.loadState(optimizer);
    restore(c);
    return extras;
  }
}
