package io.igdstream.streams.augment;

import io.igdstream.core.model.GradientThread;
import io.igdstream.schemas.AdversarialSample;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.ReasonCode;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.Validators;
import io.igdstream.schemas.kafka.DeadLetterRecords;
import io.igdstream.schemas.kafka.Decoded;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.kafka.GroupOffsets;
import io.igdstream.streams.kafka.PekkoKafka;
import io.igdstream.streams.metrics.StreamMetrics;
import io.igdstream.streams.snapshot.SnapshotFollower;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.kafka.ConsumerMessage;
import org.apache.pekko.kafka.ProducerMessage;
import org.apache.pekko.kafka.Subscriptions;
import org.apache.pekko.kafka.javadsl.Committer;
import org.apache.pekko.kafka.javadsl.Producer;

/**
 * The augment worker: one committed pass over {@code {ns}.samples} per epoch, each under its own
 * consumer group ({@link AugmentSettings#epochGroup}), so workers of one group split the partitions
 * and a restarted worker resumes the epoch where its group's offsets stand. Per batch of training
 * samples: wait for the trainer's lag to drop below the bound ({@link LagGate}), then PGD against
 * the newest snapshot and the teacher gradient on the gradient thread ({@link
 * AdversarialExamples}), then produce to {@code {ns}.train.adversarial}. A source offset is
 * committed only after the broker acknowledged what was produced from it (at-least-once); test
 * samples are committed without output; bad records go to {@code {ns}.dlq}.
 */
public final class AugmentStage {

  /** Where augment is: the epoch it works on and what it has done. */
  public record Status(int epoch, int epochs, long produced, long deadLetters, long lag) {}

  private static final String STAGE = "augment";
  private static final AvroCodec<ImageSample> SAMPLES = AvroCodec.of(ImageSample.class);
  private static final AvroCodec<AdversarialSample> ADVERSARIAL =
      AvroCodec.of(AdversarialSample.class);

  private final ActorSystem system;
  private final KafkaSettings kafka;
  private final TopicNames topics;
  private final AugmentSettings settings;
  private final AdversarialExamples examples;
  private final SnapshotFollower follower;
  private final StreamMetrics metrics;
  private final Consumer<String> log;
  private final GradientThread gradient = GradientThread.shared();
  private final CompletableFuture<Done> done = new CompletableFuture<>();
  private final AtomicInteger epoch = new AtomicInteger();
  private final AtomicLong produced = new AtomicLong();
  private final AtomicLong deadLetters = new AtomicLong();
  private volatile boolean stopping;
  private volatile LagGate gate;
  private final int[] shape;
  private final int classes;

  private AugmentStage(
      ActorSystem system,
      KafkaSettings kafka,
      TopicNames topics,
      AugmentSettings settings,
      AdversarialExamples examples,
      SnapshotFollower follower,
      StreamMetrics metrics,
      int[] shape,
      int classes,
      Consumer<String> log) {
    this.system = system;
    this.kafka = kafka;
    this.topics = topics;
    this.settings = settings;
    this.examples = examples;
    this.follower = follower;
    this.metrics = metrics;
    this.shape = shape;
    this.classes = classes;
    this.log = log;
  }

  /**
   * Starts the worker on a thread of its own; it runs every epoch of {@code settings.train()} not
   * yet complete and then finishes.
   *
   * @param shape the images' [C, H, W] (the teacher's input); other shapes are dead letters
   * @param classes the teacher's classes
   */
  public static AugmentStage start(
      ActorSystem system,
      KafkaSettings kafka,
      TopicNames topics,
      AugmentSettings settings,
      AdversarialExamples examples,
      SnapshotFollower follower,
      StreamMetrics metrics,
      int[] shape,
      int classes,
      Consumer<String> log) {
    AugmentStage stage =
        new AugmentStage(
            system, kafka, topics, settings, examples, follower, metrics, shape, classes, log);
    Thread t = new Thread(stage::runEpochs, "igd-augment");
    t.setDaemon(true);
    t.start();
    return stage;
  }

  /** Completes when every epoch is done (or after {@link #stop}). */
  public CompletionStage<Done> done() {
    return done;
  }

  /** Drains the current epoch's stream (committing what was produced) and finishes. */
  public void stop() {
    stopping = true;
  }

  public Status status() {
    LagGate g = gate;
    return new Status(
        epoch.get(),
        settings.train().epochs(),
        produced.get(),
        deadLetters.get(),
        g == null ? 0 : g.lag());
  }

  private void runEpochs() {
    try (Admin admin = Admin.create(kafka.adminProperties());
        LagGate lagGate =
            new LagGate(
                admin,
                topics.prefix() + "." + settings.trainerGroup(),
                topics.trainAdversarial(),
                settings.maxLag(),
                settings.pollInterval(),
                metrics)) {
      gate = lagGate;
      follower.first().get();
      for (int e = 0; e < settings.train().epochs() && !stopping; e++) {
        epoch.set(e);
        runEpoch(admin, e);
      }
      done.complete(Done.getInstance());
    } catch (Throwable t) {
      done.completeExceptionally(t);
    }
  }

  /**
   * One pass; a failed stream (e.g. the broker went away) is restarted from the committed offsets.
   */
  private void runEpoch(Admin admin, int e) throws Exception {
    String group = settings.epochGroup(topics.prefix(), e);
    Map<TopicPartition, Long> end = GroupOffsets.endOffsets(admin, topics.samples());
    while (!stopping && !GroupOffsets.reached(admin, group, topics.samples(), end)) {
      var control = stream(group, e);
      while (!stopping && !control.streamCompletion().toCompletableFuture().isDone()) {
        Thread.sleep(settings.pollInterval().toMillis());
        boolean complete;
        try {
          complete = GroupOffsets.reached(admin, group, topics.samples(), end);
        } catch (RuntimeException unavailable) {
          complete = false;
        }
        if (complete) {
          break;
        }
      }
      try {
        control
            .drainAndShutdown(system.dispatcher())
            .toCompletableFuture()
            .get(60, TimeUnit.SECONDS);
      } catch (Exception failed) {
        log.accept(
            "augment epoch "
                + e
                + ": stream stopped ("
                + failed.getMessage()
                + "); restarting from committed offsets");
        Thread.sleep(1000);
      }
    }
    if (!stopping) {
      log.accept("augment: epoch " + e + " complete");
    }
  }

  /** What one input record becomes, with the offset to commit once it is written. */
  private record Out(
      ProducerMessage.Envelope<byte[], byte[], ConsumerMessage.Committable> envelope) {}

  private org.apache.pekko.kafka.javadsl.Consumer.DrainingControl<Done> stream(
      String group, int e) {
    return org.apache.pekko.kafka.javadsl.Consumer.committableSource(
            PekkoKafka.consumer(system, kafka, group), Subscriptions.topics(topics.samples()))
        .groupedWithin(settings.batchSize(), settings.batchWait())
        .mapAsync(
            1,
            batch -> gate.whenOpen().thenCompose(open -> gradient.submit(() -> process(batch, e))))
        .mapConcat(outs -> outs)
        .map(Out::envelope)
        .via(Producer.flexiFlow(PekkoKafka.producer(system, kafka)))
        .map(
            result -> {
              int n =
                  result instanceof ProducerMessage.Result<?, ?, ?> r
                          && r.message().record().topic().equals(topics.trainAdversarial())
                      ? 1
                      : 0;
              if (n > 0) {
                produced.incrementAndGet();
                metrics.produced(STAGE, 1);
              }
              return result.passThrough();
            })
        .toMat(
            Committer.sink(PekkoKafka.committer(system, kafka)),
            org.apache.pekko.kafka.javadsl.Consumer::createDrainingControl)
        .run(system);
  }

  /** On the gradient thread: decode, validate, attack the batch's training samples. */
  private List<Out> process(List<ConsumerMessage.CommittableMessage<byte[], byte[]>> batch, int e) {
    metrics.consumed(STAGE, batch.size());
    List<Out> outs = new ArrayList<>(batch.size());
    List<ImageSample> train = new ArrayList<>();
    List<ConsumerMessage.CommittableOffset> trainOffsets = new ArrayList<>();
    List<Integer> slots = new ArrayList<>();
    for (var msg : batch) {
      Decoded<ImageSample> d =
          Decoded.of(
              msg.record(),
              SAMPLES,
              s -> {
                Validators.validate(s, shape);
                if (s.getClasses() != classes) {
                  throw new io.igdstream.schemas.RecordDecodingException(
                      ReasonCode.LABEL_OUT_OF_RANGE,
                      "sample "
                          + s.getId()
                          + " has "
                          + s.getClasses()
                          + " classes, the teacher "
                          + classes);
                }
              });
      if (!d.ok()) {
        metrics.deadLetter(STAGE, d.deadLetter().getReasonCode());
        deadLetters.incrementAndGet();
        outs.add(
            new Out(
                ProducerMessage.single(
                    DeadLetterRecords.of(topics.dlq(), d.deadLetter()), msg.committableOffset())));
      } else if (d.value().getSplit() != Split.TRAIN) {
        outs.add(new Out(ProducerMessage.passThrough(msg.committableOffset())));
      } else {
        train.add(d.value());
        trainOffsets.add(msg.committableOffset());
        slots.add(outs.size());
        outs.add(null);
      }
    }
    if (!train.isEmpty()) {
      SnapshotFollower.Loaded snapshot = follower.current().orElseThrow();
      long t0 = System.nanoTime();
      List<AdversarialSample> made = examples.make(train, e, snapshot.model(), snapshot.version());
      metrics.attackSeconds((System.nanoTime() - t0) / 1e9);
      for (int i = 0; i < made.size(); i++) {
        AdversarialSample a = made.get(i);
        ProducerRecord<byte[], byte[]> record =
            new ProducerRecord<>(
                topics.trainAdversarial(),
                a.getSampleId().toString().getBytes(StandardCharsets.UTF_8),
                ADVERSARIAL.encode(a));
        outs.set(slots.get(i), new Out(ProducerMessage.single(record, trainOffsets.get(i))));
      }
      gate.produced(made.size());
    }
    return outs;
  }
}
