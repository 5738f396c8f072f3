package io.igdstream.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.igdstream.core.Seeds;
import io.igdstream.core.attack.Pgd;
import io.igdstream.core.attack.TradesPgd;
import io.igdstream.core.data.Augmentation;
import io.igdstream.core.data.Batch;
import io.igdstream.core.data.BatchSampler;
import io.igdstream.core.data.Dataset;
import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.io.CheckpointDirectory;
import io.igdstream.core.io.CheckpointException;
import io.igdstream.core.io.TensorData;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.ModelSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * In-process training (the research path, {@code igd train-local}): epochs of seeded batches, one
 * {@link TrainingStep} each, checkpoints every {@code checkpoint-every} steps and at each epoch's
 * end. A run resumes from its newest good checkpoint and then repeats exactly what the
 * uninterrupted run would have done: batches, attack starts and learning rates all derive from
 * (seed, step), and the optimiser and schedule state are in the checkpoint.
 */
public final class LocalTrainer {

  /** Where a run is, after each step. */
  public record Progress(
      int epoch,
      int epochs,
      int batch,
      int batchesPerEpoch,
      long step,
      long totalSteps,
      double learningRate,
      StepTerms terms) {}

  /** Hooks for progress display and logging; all called on the training thread. */
  public interface Listener {
    default void onStart(long firstStep, long totalSteps) {}

    default void onStep(Progress progress) {}

    default void onEpochEnd(int epoch, double meanLoss) {}

    default void onMessage(String message) {}
  }

  private final TrainSettings settings;
  private final Architecture architecture;
  private final Dataset train;
  private final Classifier teacher;
  private final CheckpointDirectory checkpoints;
  private final Map<String, String> runMetadata;
  private final Listener listener;
  private final Map<String, TensorData> initialWeights;
  private double trainSeconds;

  /**
   * @param teacher the frozen NAT teacher for igd and trades-igd, else null
   * @param runMetadata what the checkpoints record about the run (dataset, class names, …)
   */
  public LocalTrainer(
      TrainSettings settings,
      Architecture architecture,
      Dataset train,
      Classifier teacher,
      CheckpointDirectory checkpoints,
      Map<String, String> runMetadata,
      Listener listener) {
    this(settings, architecture, train, teacher, checkpoints, runMetadata, listener, null);
  }

  /**
   * @param initialWeights the student's starting weights (e.g. a PyTorch-trained model to
   *     fine-tune), else null for the seeded initialisation; a checkpoint to resume from wins
   */
  public LocalTrainer(
      TrainSettings settings,
      Architecture architecture,
      Dataset train,
      Classifier teacher,
      CheckpointDirectory checkpoints,
      Map<String, String> runMetadata,
      Listener listener,
      Map<String, TensorData> initialWeights) {
    if (settings.method().needsTeacher() && teacher == null) {
      throw new IllegalArgumentException(
          "method " + settings.method().id() + " needs a teacher model");
    }
    this.settings = settings;
    this.architecture = architecture;
    this.train = train;
    this.teacher = teacher;
    this.checkpoints = checkpoints;
    this.runMetadata = Map.copyOf(runMetadata);
    this.listener = listener;
    this.initialWeights = initialWeights == null ? null : Map.copyOf(initialWeights);
  }

  /** Wall time spent training in this run and every run it resumed, after {@link #run}. */
  public double trainSeconds() {
    return trainSeconds;
  }

  /** The model spec the data calls for. */
  public static ModelSpec specOf(Dataset data) {
    return new ModelSpec(data.channels(), data.height(), data.width(), data.classCount());
  }

  /** Trains (or resumes and finishes) the run and returns the student; the caller closes it. */
  public Classifier run() {
    ModelSpec spec = specOf(train);
    architecture.checkFits(spec.channels(), spec.height(), spec.width());
    if (teacher != null
        && (!teacher.spec().equals(spec) || teacher.architecture() != architecture)) {
      throw new IllegalArgumentException(
          "the teacher is a "
              + teacher.architecture().id()
              + " for "
              + teacher.spec()
              + " but the student is a "
              + architecture.id()
              + " for "
              + spec);
    }
    Classifier student = Classifier.create(architecture, spec, settings.seed());
    if (initialWeights != null) {
      try {
        student.loadStateDict(initialWeights);
      } catch (RuntimeException e) {
        student.close();
        throw e;
      }
    }
    try (Sgd sgd = new Sgd(student.trainableParameters(), settings.sgd(), student.manager())) {
      TrainingStep step = stepFor(student, sgd);
      BatchSampler sampler =
          new BatchSampler(train, settings.batchSize(), settings.seed(), augmentation(), false);
      int perEpoch = sampler.batchesPerEpoch();
      long totalSteps = (long) perEpoch * settings.epochs();
      TrainingLedger ledger = TrainingLedger.of(settings, totalSteps);

      double restoredSeconds = 0;
      Optional<Checkpoint> resume = checkpoints.latest(listener::onMessage);
      if (resume.isPresent()) {
        Checkpoint c = resume.get();
        checkCompatible(c, student);
        ledger.resume(c, student, sgd, Set.of());
        restoredSeconds = Double.parseDouble(c.metadata().getOrDefault("train_seconds", "0"));
        listener.onMessage(
            "resumed from checkpoint at step " + ledger.step() + " in " + checkpoints.directory());
      }
      listener.onStart(ledger.step(), totalSteps);
      long started = System.nanoTime();
      while (ledger.step() < totalSteps) {
        long globalStep = ledger.step();
        int epoch = (int) (globalStep / perEpoch);
        int batchIndex = (int) (globalStep % perEpoch);
        double rate = ledger.rate();
        StepTerms terms;
        try (NDManager scope = student.manager().newSubManager()) {
          Batch batch = sampler.batch(epoch, batchIndex);
          NDArray x = student.images(scope, batch.images(), batch.size());
          NDArray labels = scope.create(toLongs(batch.labels()));
          terms = step.step(x, labels, stepSeed(settings.seed(), globalStep), rate);
        }
        ledger.stepped(terms);
        listener.onStep(
            new Progress(
                epoch,
                settings.epochs(),
                batchIndex,
                perEpoch,
                ledger.step(),
                totalSteps,
                rate,
                terms));
        boolean epochDone = ledger.step() % perEpoch == 0;
        if (epochDone) {
          listener.onEpochEnd(epoch, ledger.endEpoch(perEpoch));
        }
        trainSeconds = restoredSeconds + (System.nanoTime() - started) / 1e9;
        if (epochDone || ledger.step() % settings.checkpointEvery() == 0) {
          checkpoints.save(checkpoint(student, sgd, ledger, perEpoch), ledger.step());
        }
      }
      trainSeconds = restoredSeconds + (System.nanoTime() - started) / 1e9;
      return student;
    } catch (RuntimeException e) {
      student.close();
      throw e;
    }
  }

  private TrainingStep stepFor(Classifier student, Sgd sgd) {
    int channels = train.channels();
    return switch (settings.method()) {
      case NAT -> new NatStep(student, sgd);
      case PGDAT ->
          new PgdatStep(
              student,
              new Pgd(settings.attack(channels, settings.attackConfig().trainSteps())),
              sgd);
      case IGD ->
          new IgdStep(
              student,
              teacher,
              new Pgd(settings.attack(channels, settings.attackConfig().trainSteps())),
              settings.igd(),
              sgd);
      case TRADES, TRADES_IGD ->
          new TradesStep(
              student,
              new TradesPgd(settings.attack(channels, settings.attackConfig().trainSteps())),
              settings.tradesBeta(),
              settings.method() == TrainingMethod.TRADES_IGD ? teacher : null,
              settings.igd(),
              sgd);
    };
  }

  private Augmentation augmentation() {
    return Augmentation.forSetting(
        settings.augmentation(), train.channels(), train.height(), train.width());
  }

  private Checkpoint checkpoint(
      Classifier student, Sgd sgd, TrainingLedger ledger, int batchesPerEpoch) {
    long step = ledger.step();
    Map<String, String> meta = new LinkedHashMap<>(runMetadata);
    meta.putAll(student.describe());
    meta.put("method", settings.method().id());
    meta.put("seed", Long.toString(settings.seed()));
    meta.put("epoch", Long.toString(step / batchesPerEpoch));
    // Every random draw derives from (seed, step), so seed and step are the whole RNG state.
    meta.put("rng", "seed=" + settings.seed() + ",step=" + step);
    meta.put("settings", settings.toString());
    meta.put("train_seconds", Double.toString(trainSeconds));
    return ledger.checkpoint(meta, student, sgd, Map.of());
  }

  private void checkCompatible(Checkpoint c, Classifier student) {
    checkpoints.checkSameRun(c, student.describe());
    for (String key : new String[] {"method", "seed"}) {
      String expected =
          key.equals("method") ? settings.method().id() : Long.toString(settings.seed());
      if (!expected.equals(c.metadata().get(key))) {
        throw new CheckpointException(
            "checkpoint in "
                + checkpoints.directory()
                + " has "
                + key
                + " "
                + c.metadata().get(key)
                + ", this run has "
                + expected
                + " (use another --out to start a new run)");
      }
    }
  }

  /** A well-mixed seed per (run seed, step) (SplitMix64's finaliser). */
  public static long stepSeed(long seed, long step) {
    return Seeds.splitMix64(seed * Seeds.GOLDEN + step + 0x632BE59BD9B4E019L);
  }

  static long[] toLongs(int[] values) {
    long[] longs = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      longs[i] = values[i];
    }
    return longs;
  }
}
