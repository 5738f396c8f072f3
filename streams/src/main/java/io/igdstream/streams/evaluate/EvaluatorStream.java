package io.igdstream.streams.evaluate;

import io.igdstream.core.attack.PgdSettings;
import io.igdstream.core.eval.ModelResult;
import io.igdstream.core.eval.RobustnessReport;
import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import io.igdstream.core.model.ModelSpec;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.SnapshotVerifier;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.kafka.PekkoKafka;
import io.igdstream.streams.metrics.StreamMetrics;
import io.igdstream.streams.snapshot.SnapshotFollower;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.Dispatchers;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.kafka.ProducerMessage;
import org.apache.pekko.kafka.javadsl.Producer;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The evaluator role (docs/DESIGN.md "Data flow"): follows one model's snapshots and, for every
 * k-th version and every final one, has the {@link SnapshotEvaluator} score it on the test split
 * and writes the report to {@code {ns}.reports} keyed by {@link ReportRecords#key (model id,
 * version)}, so re-evaluating a version (after a restart, say) replaces its report in the compacted
 * topic instead of adding one. The gauges of {@link EvaluationMetrics} are set once the broker has
 * acknowledged the record.
 *
 * <p>The stream: snapshot follower → (every k-th / final) → queue → conflate → {@code mapAsync(1)}
 * running the {@link SnapshotEvaluator} on the {@link GradientThread} → {@link Producer#flexiFlow}
 * → metrics. The follower closes a model when the next one arrives, so a selected snapshot's
 * weights are copied when it is loaded and the suite runs on its own copy: every selected version
 * is scored on its own weights even if newer ones arrive meanwhile. While one evaluation runs,
 * waiting versions are conflated to the newest (the older ones are skipped, and their {@link
 * #report} futures cancelled): the evaluator follows training instead of falling behind it. With
 * {@code backlog = all} every selected version waits its turn instead.
 *
 * <p>Restarts: at start the role reads the model's reports already in {@code {ns}.reports}; a
 * version found there is not evaluated again (its stored report stands in, without per-sample
 * data), so a killed and restarted evaluator leaves exactly one report per version.
 *
 * <p>The test split is read once, at the first evaluation (ingest may still be writing when the
 * evaluator starts); corrupted images are read when an evaluation includes the corruption test and
 * re-read each time until every one is there ({@link EvaluationInputs}). Reading runs on Pekko's
 * blocking dispatcher, never on the gradient thread, which the trainer and augment share. An
 * evaluation that fails (no test split yet, a broken snapshot) is logged and cancels that version's
 * {@link #report} future; the stream goes on.
 */
public final class EvaluatorStream {

  /** The role's name in metrics labels and log lines. */
  static final String ROLE = "evaluate";

  private static final AvroCodec<io.igdstream.schemas.RobustnessReport> REPORTS =
      AvroCodec.of(io.igdstream.schemas.RobustnessReport.class);

  /** Requests that may wait in the queue; conflate drains it at once, so it never fills. */
  private static final int QUEUE_SIZE = 16;

  /** Requests that may wait with {@code backlog = all}: far more snapshots than a run publishes. */
  private static final int BACKLOG_QUEUE_SIZE = 4096;

  /** Longest time to read the reports already published, at start. */
  private static final Duration READ_REPORTS = Duration.ofMinutes(2);

  /** A selected snapshot, with a copy of its weights the suite owns. */
  private record Request(
      long version,
      boolean isFinal,
      Map<String, String> facts,
      ModelSpec spec,
      Checkpoint weights) {}

  private final KafkaSettings kafka;
  private final TopicNames topics;
  private final String modelId;
  private final EvaluateSettings settings;
  private final SnapshotEvaluator evaluator;
  private final EvaluationInputs inputs;
  private final StreamMetrics streamMetrics;
  private final EvaluationMetrics metrics;
  private final Consumer<String> log;
  private final GradientThread gradient = GradientThread.shared();
  private final Executor blocking;
  private final Map<Long, CompletableFuture<Evaluation>> waiters = new ConcurrentHashMap<>();
  private final CompletableFuture<Done> done = new CompletableFuture<>();

  /** Reports published before this role started, by version; read on the gradient thread only. */
  private final Map<Long, io.igdstream.schemas.RobustnessReport> reportedBefore;

  private final BoundedSourceQueue<Request> queue;
  private final UniqueKillSwitch killSwitch;
  private final SnapshotFollower follower;

  /** The newest version offered; read and written on the gradient thread only. */
  private long offered = -1;

  private volatile boolean terminated;
  private volatile Evaluation latest;

  private EvaluatorStream(
      ActorSystem system,
      KafkaSettings kafka,
      TopicNames topics,
      String modelId,
      EvaluateSettings settings,
      IntFunction<PgdSettings> attack,
      StreamMetrics streamMetrics,
      EvaluationMetrics metrics,
      Consumer<String> log,
      Map<Long, io.igdstream.schemas.RobustnessReport> reportedBefore,
      Optional<SnapshotVerifier> verifier) {
    this.kafka = kafka;
    this.reportedBefore = reportedBefore;
    this.topics = topics;
    this.modelId = modelId;
    this.settings = settings;
    this.evaluator = new SnapshotEvaluator(modelId, settings, attack, log);
    this.inputs = new EvaluationInputs(kafka, topics, settings, log);
    this.streamMetrics = streamMetrics;
    this.metrics = metrics;
    this.log = log;
    this.blocking = system.dispatchers().lookup(Dispatchers.DefaultBlockingDispatcherId());
    Source<Request, BoundedSourceQueue<Request>> requests =
        settings.backlog() == EvaluateSettings.Backlog.ALL
            ? Source.<Request>queue(BACKLOG_QUEUE_SIZE)
            : Source.<Request>queue(QUEUE_SIZE).conflate(this::newer);
    Pair<Pair<BoundedSourceQueue<Request>, UniqueKillSwitch>, CompletionStage<Done>> running =
        requests
            .viaMat(KillSwitches.single(), Keep.both())
            .mapAsync(1, this::evaluate)
            .mapConcat(result -> result.map(List::of).orElseGet(List::of))
            .map(this::envelope)
            .via(Producer.flexiFlow(PekkoKafka.producer(system, kafka)))
            .toMat(Sink.foreach(results -> published(results.passThrough())), Keep.both())
            .run(system);
    this.queue = running.first().first();
    this.killSwitch = running.first().second();
    this.follower = SnapshotFollower.start(kafka, topics, modelId, ROLE, streamMetrics, verifier);
    follower.onLoaded(this::offer);
    // a snapshot loaded before the listener was registered: offer it now (offer skips repeats)
    gradient.submit(
        () -> {
          follower.current().ifPresent(this::offer);
          return null;
        });
    running
        .second()
        .whenComplete(
            (ok, failure) -> {
              Thread closer = new Thread(() -> terminate(failure), "igd-evaluate-stop");
              closer.setDaemon(true);
              closer.start();
            });
  }

  /**
   * Starts the evaluator of {@code modelId}: its own snapshot follower (role {@code evaluate}) and
   * stream. It runs until {@link #stop} or {@link #shutdown}.
   *
   * @param attack the PGD settings for images of a channel count ({@link EvaluateSettings#attack})
   * @param log progress lines (one per report, skips and failures)
   * @throws IllegalArgumentException if the model id cannot be part of a report key
   */
  public static EvaluatorStream start(
      ActorSystem system,
      KafkaSettings kafka,
      TopicNames topics,
      String modelId,
      EvaluateSettings settings,
      IntFunction<PgdSettings> attack,
      StreamMetrics streamMetrics,
      EvaluationMetrics metrics,
      Consumer<String> log) {
    return start(
        system,
        kafka,
        topics,
        modelId,
        settings,
        attack,
        streamMetrics,
        metrics,
        log,
        Optional.empty());
  }

  /**
   * {@link #start(ActorSystem, KafkaSettings, TopicNames, String, EvaluateSettings, IntFunction,
   * StreamMetrics, EvaluationMetrics, Consumer)} loading only snapshots that verify against {@code
   * verifier} when one is given ({@code SnapshotVerifier.fromConfig(config)}; the others are
   * dead-lettered with the reason bad-signature).
   */
  public static EvaluatorStream start(
      ActorSystem system,
      KafkaSettings kafka,
      TopicNames topics,
      String modelId,
      EvaluateSettings settings,
      IntFunction<PgdSettings> attack,
      StreamMetrics streamMetrics,
      EvaluationMetrics metrics,
      Consumer<String> log,
      Optional<SnapshotVerifier> verifier) {
    Objects.requireNonNull(system, "system");
    Objects.requireNonNull(kafka, "kafka");
    Objects.requireNonNull(topics, "topics");
    ReportRecords.key(modelId, 0); // validates the id before anything starts
    Map<Long, io.igdstream.schemas.RobustnessReport> reportedBefore =
        ReportRecords.read(kafka, topics.reports(), modelId, READ_REPORTS);
    if (!reportedBefore.isEmpty()) {
      log.accept(
          "evaluate: "
              + reportedBefore.size()
              + " snapshot(s) of "
              + modelId
              + " already reported in "
              + topics.reports()
              + " (not evaluated again)");
    }
    return new EvaluatorStream(
        system,
        kafka,
        topics,
        modelId,
        Objects.requireNonNull(settings, "settings"),
        Objects.requireNonNull(attack, "attack"),
        Objects.requireNonNull(streamMetrics, "streamMetrics"),
        Objects.requireNonNull(metrics, "metrics"),
        Objects.requireNonNull(log, "log"),
        reportedBefore,
        Objects.requireNonNull(verifier, "verifier"));
  }

  /**
   * Stops taking snapshots, finishes the evaluation under way and the one waiting (its report is
   * published), then closes the follower. Returns {@link #done()}.
   */
  public CompletionStage<Done> stop() {
    queue.complete();
    return done;
  }

  /**
   * Stops at once: the waiting version is dropped; the evaluation under way still finishes (work on
   * the gradient thread cannot be interrupted) and its report is published. Returns {@link
   * #done()}.
   */
  public CompletionStage<Done> shutdown() {
    killSwitch.shutdown();
    queue.complete();
    return done;
  }

  /** Completes when the role has stopped and closed its follower; fails if the stream failed. */
  public CompletionStage<Done> done() {
    return done;
  }

  /** Why the snapshot follower stopped, if it did (e.g. its access was refused): none will come. */
  public Optional<Throwable> followerFailure() {
    return follower.failure();
  }

  /** The newest published evaluation, if any. */
  public Optional<Evaluation> latest() {
    return Optional.ofNullable(latest);
  }

  /**
   * Completes with version {@code version}'s evaluation once its report is acknowledged by the
   * broker; at once if it is the newest published one. It is cancelled if the version is skipped (a
   * newer one was waiting too), its evaluation fails or the role stops first. A version the
   * settings do not select, or published before the newest one, is not waited for: ask before it is
   * evaluated.
   */
  public CompletableFuture<Evaluation> report(long version) {
    CompletableFuture<Evaluation> f =
        waiters.computeIfAbsent(version, v -> new CompletableFuture<>());
    Evaluation newest = latest;
    if (newest != null && newest.version() == version) {
      waiters.remove(version, f);
      f.complete(newest);
    } else if (terminated) {
      cancel(version, "the evaluator stopped before snapshot v" + version + " was evaluated");
    }
    return f;
  }

  /** On the gradient thread, after the follower swapped in {@code loaded}: queue it if selected. */
  private void offer(SnapshotFollower.Loaded loaded) {
    if (loaded.version() <= offered || !settings.selects(loaded.version(), loaded.isFinal())) {
      return;
    }
    offered = loaded.version();
    io.igdstream.schemas.RobustnessReport stored = reportedBefore.get(loaded.version());
    if (stored != null) {
      restored(loaded, stored);
      return;
    }
    Classifier model = loaded.model();
    Request request =
        new Request(
            loaded.version(),
            loaded.isFinal(),
            loaded.facts(),
            model.spec(),
            model.toModelFile(Map.of()));
    QueueOfferResult result;
    try {
      result = queue.offer(request);
    } catch (RuntimeException e) {
      result = QueueOfferResult.closed();
    }
    if (!result.isEnqueued()) {
      log.accept("evaluate: snapshot v" + loaded.version() + " not queued (" + result + ")");
    }
  }

  /** conflate: the newer request replaces the older, which is never evaluated. */
  private Request newer(Request older, Request newer) {
    log.accept(
        "evaluate: snapshot v" + older.version() + " skipped, v" + newer.version() + " is newer");
    cancel(
        older.version(),
        "snapshot v" + older.version() + " was skipped: v" + newer.version() + " arrived first");
    return newer;
  }

  private CompletionStage<Optional<Evaluation>> evaluate(Request request) {
    return CompletableFuture.supplyAsync(
            () -> inputs.read(request.spec(), evaluator.readsCorruptions(request.isFinal())),
            blocking)
        .thenCompose(read -> gradient.submit(() -> run(request, read)))
        .handle(
            (evaluation, failure) -> {
              if (failure == null) {
                return Optional.of(evaluation);
              }
              Throwable cause =
                  failure instanceof CompletionException && failure.getCause() != null
                      ? failure.getCause()
                      : failure;
              log.accept("evaluate: snapshot v" + request.version() + " failed: " + cause);
              cancel(
                  request.version(),
                  "evaluating snapshot v" + request.version() + " failed: " + cause);
              return Optional.empty();
            });
  }

  /** On the gradient thread: the snapshot's evaluation on the request's own copy of the weights. */
  private Evaluation run(Request request, EvaluationInputs.Inputs inputs) {
    try (Classifier model = Classifier.load(request.weights())) {
      return evaluator.evaluate(
          request.version(),
          request.isFinal(),
          request.facts(),
          model,
          inputs.tests(),
          inputs.corrupted());
    }
  }

  private ProducerMessage.Envelope<byte[], byte[], Evaluation> envelope(Evaluation e) {
    byte[] key = ReportRecords.key(modelId, e.version()).getBytes(StandardCharsets.UTF_8);
    byte[] value =
        REPORTS.encode(ReportRecords.toAvro(e.report(), e.result(), System.currentTimeMillis()));
    return ProducerMessage.single(new ProducerRecord<>(topics.reports(), key, value), e);
  }

  /**
   * A version whose report was published before this role started (a restart): the stored report
   * stands in for an evaluation, so waiters and {@link #latest} see it, and nothing is produced.
   */
  private void restored(
      SnapshotFollower.Loaded loaded, io.igdstream.schemas.RobustnessReport stored) {
    RobustnessReport report = ReportRecords.reportFromAvro(stored, loaded.model().spec());
    Evaluation e = new Evaluation(loaded.version(), loaded.isFinal(), report, 0, 0);
    if (latest == null || latest.version() < e.version()) {
      latest = e;
    }
    announce(e);
    log.accept(
        String.format(
            Locale.ROOT,
            "evaluate: snapshot v%d%s was reported before this start (clean %.4f); not"
                + " evaluated again",
            e.version(),
            e.isFinal() ? " (final)" : "",
            e.result().cleanAccuracy()));
  }

  /** After the broker acknowledged the report: gauges, the newest report, waiters. */
  private void published(Evaluation e) {
    latest = e;
    streamMetrics.produced(ROLE, 1);
    announce(e);
    ModelResult r = e.result();
    log.accept(
        String.format(
            Locale.ROOT,
            "evaluate: %s v%d%s clean %.4f%s on %d images (%.1f s%s)",
            modelId,
            e.version(),
            e.isFinal() ? " (final)" : "",
            r.cleanAccuracy(),
            r.pgd20Accuracy() == null
                ? ""
                : String.format(Locale.ROOT, ", PGD %.4f", r.pgd20Accuracy()),
            e.report().samples(),
            e.seconds(),
            e.corruptedFallbacks() > 0
                ? ", " + e.corruptedFallbacks() + " corrupted images computed in-process"
                : ""));
  }

  /** Gauges and the waiter of the version, for a report in the topic. */
  private void announce(Evaluation e) {
    try {
      metrics.publish(e.result(), e.seconds());
    } catch (RuntimeException failure) {
      log.accept("evaluate: gauges of v" + e.version() + " not set: " + failure.getMessage());
    }
    CompletableFuture<Evaluation> waiter = waiters.remove(e.version());
    if (waiter != null) {
      waiter.complete(e);
    }
  }

  private void cancel(long version, String why) {
    CompletableFuture<Evaluation> waiter = waiters.remove(version);
    if (waiter != null) {
      waiter.completeExceptionally(new CancellationException(why));
    }
  }

  /** Once the stream ended: close the follower (and its model), cancel waiters, complete done. */
  private void terminate(Throwable failure) {
    try {
      follower.close();
    } catch (RuntimeException e) {
      log.accept("evaluate: closing the snapshot follower failed: " + e);
    }
    terminated = true;
    for (Long version : List.copyOf(waiters.keySet())) {
      cancel(version, "the evaluator stopped before snapshot v" + version + " was evaluated");
    }
    if (failure == null) {
      done.complete(Done.getInstance());
    } else {
      log.accept("evaluate: stream failed: " + failure);
      done.completeExceptionally(failure);
    }
  }
}
