package io.igdstream.streams.snapshot;

import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import io.igdstream.schemas.AssembledSnapshot;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.ReasonCode;
import io.igdstream.schemas.RecordDecodingException;
import io.igdstream.schemas.SnapshotAssembler;
import io.igdstream.schemas.SnapshotChunk;
import io.igdstream.schemas.SnapshotHeader;
import io.igdstream.schemas.SnapshotSignature;
import io.igdstream.schemas.SnapshotVerifier;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.DeadLetterRecords;
import io.igdstream.schemas.kafka.Decoded;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.streams.metrics.StreamMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Follows {@code {ns}.snapshots} and keeps the newest complete, verified snapshot of one model
 * loaded (docs/DESIGN.md "Data flow", Snapshots). A snapshot is used only when its header and every
 * chunk arrived and the payload's SHA-256 matches; a chunk or header that cannot belong goes to the
 * dead-letter topic and the older model stays in use. With a verify key (docs/SECURITY.md "Signed
 * snapshots") a header must also carry the trainer's signature, else it is dead-lettered as
 * bad-signature and its snapshot never assembled. The model lives on the {@link GradientThread}:
 * the swap and every use happen there, so nobody sees a closed model.
 */
public final class SnapshotFollower implements AutoCloseable {

  /** A loaded snapshot. Use {@link #model} only on the gradient thread. */
  public record Loaded(long version, Classifier model, Map<String, String> facts) {
    public boolean isFinal() {
      return Boolean.parseBoolean(facts.getOrDefault("final", "false"));
    }
  }

  private static final AvroCodec<SnapshotHeader> HEADERS = AvroCodec.of(SnapshotHeader.class);
  private static final AvroCodec<SnapshotChunk> CHUNKS = AvroCodec.of(SnapshotChunk.class);

  private final KafkaSettings kafka;
  private final TopicNames topics;
  private final String stage;
  private final StreamMetrics metrics;
  private final String modelId;
  private final SnapshotAssembler assembler;

  /** Checks each header's signature before its snapshot is assembled; null: no checking. */
  private final SnapshotVerifier verifier;

  /**
   * The first record of each version being assembled: what an abandoned version's dead letter
   * points at.
   */
  private final TreeMap<Long, ConsumerRecord<byte[], byte[]>> firstRecords = new TreeMap<>();

  /**
   * Versions already dead-lettered (a bad chunk, a failed digest): not dead-lettered again when
   * abandoned.
   */
  private final TreeSet<Long> rejectedVersions = new TreeSet<>();

  /** The version of the record being accepted, -1 if none of this model. */
  private long acceptingVersion = -1;

  private final GradientThread gradient = GradientThread.shared();
  private final List<Consumer<Loaded>> listeners = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Loaded> first = new CompletableFuture<>();
  private final Thread thread;
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private volatile boolean running = true;
  private volatile Loaded current;
  private volatile Throwable failure;

  private SnapshotFollower(
      KafkaSettings kafka,
      TopicNames topics,
      String modelId,
      String stage,
      StreamMetrics metrics,
      SnapshotVerifier verifier) {
    this.kafka = kafka;
    this.verifier = verifier;
    this.topics = topics;
    this.stage = stage;
    this.metrics = metrics;
    this.modelId = modelId;
    this.assembler = new SnapshotAssembler(modelId);
    this.thread = new Thread(this::follow, "igd-snapshot-follower-" + stage);
    this.thread.setDaemon(true);
  }

  /** Starts following {@code modelId}'s snapshots; {@code stage} labels the metrics. */
  public static SnapshotFollower start(
      KafkaSettings kafka, TopicNames topics, String modelId, String stage, StreamMetrics metrics) {
    return start(kafka, topics, modelId, stage, metrics, Optional.empty());
  }

  /**
   * Starts following {@code modelId}'s snapshots, loading only those whose signature verifies
   * against {@code verifier} when one is given ({@code SnapshotVerifier.fromConfig(config)}): the
   * others are dead-lettered with a reason starting "bad-signature" (unsigned ones too) and the
   * older model stays in use. Empty: every complete snapshot loads, as without signatures.
   */
  public static SnapshotFollower start(
      KafkaSettings kafka,
      TopicNames topics,
      String modelId,
      String stage,
      StreamMetrics metrics,
      Optional<SnapshotVerifier> verifier) {
    SnapshotFollower f =
        new SnapshotFollower(kafka, topics, modelId, stage, metrics, verifier.orElse(null));
    f.thread.start();
    return f;
  }

  /** Called on the gradient thread with each newly loaded snapshot (after the swap). */
  public void onLoaded(Consumer<Loaded> listener) {
    listeners.add(listener);
  }

  /** Completes with the first snapshot loaded. */
  public CompletableFuture<Loaded> first() {
    return first;
  }

  /** The newest loaded snapshot, if any. */
  public Optional<Loaded> current() {
    return Optional.ofNullable(current);
  }

  /** The newest loaded version, or -1. */
  public long version() {
    Loaded l = current;
    return l == null ? -1 : l.version();
  }

  /**
   * Snapshot versions held incomplete (in flight, or to be abandoned). Read by the following
   * thread; exact after {@link #close}.
   */
  public int incompleteVersions() {
    return assembler.pendingVersions();
  }

  /** Why the follower stopped, if it failed. */
  public Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  private void follow() {
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(kafka.consumerProperties(null));
        KafkaProducer<byte[], byte[]> dlq = new KafkaProducer<>(kafka.producerProperties())) {
      consumer = c;
      TopicPartition tp = new TopicPartition(topics.snapshots(), 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      while (running) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          Optional<AssembledSnapshot> done;
          try {
            done = accept(r);
          } catch (RecordDecodingException e) {
            if (acceptingVersion >= 0) {
              rejectedVersions.add(acceptingVersion);
            }
            metrics.deadLetter(stage, e.reason());
            dlq.send(
                DeadLetterRecords.of(
                    topics.dlq(), Decoded.rejected(r, e.reason(), e.getMessage()).deadLetter()));
            continue;
          } finally {
            deadLetterAbandoned(r, dlq);
          }
          if (done.isPresent()) {
            try {
              load(done.get());
            } catch (RuntimeException e) {
              // a verified payload that is no model of this shape: keep the older model
              metrics.deadLetter(stage, ReasonCode.BAD_CHUNK);
              dlq.send(
                  DeadLetterRecords.of(
                      topics.dlq(),
                      Decoded.rejected(
                              r,
                              ReasonCode.BAD_CHUNK,
                              "snapshot v"
                                  + done.get().header().getVersion()
                                  + " does not load: "
                                  + e.getMessage())
                          .deadLetter()));
            }
          }
        }
      }
    } catch (WakeupException e) {
      // close() asked us to stop
    } catch (RuntimeException | Error e) {
      failure = e;
      first.completeExceptionally(e);
    }
  }

  private Optional<AssembledSnapshot> accept(ConsumerRecord<byte[], byte[]> r) {
    byte[] value = r.value();
    acceptingVersion = -1;
    String type = AvroCodec.typeOf(value).orElse("");
    if (type.equals(SnapshotHeader.getClassSchema().getFullName())) {
      SnapshotHeader header = HEADERS.decode(value);
      remember(header.getModelId(), header.getVersion(), r);
      checkSignature(header);
      return assembler.accept(header);
    }
    if (type.equals(SnapshotChunk.getClassSchema().getFullName())) {
      SnapshotChunk chunk = CHUNKS.decode(value);
      remember(chunk.getModelId(), chunk.getVersion(), r);
      return assembler.accept(chunk);
    }
    // neither: let the chunk codec say what is wrong with it (bad header, unknown fingerprint)
    CHUNKS.decode(value);
    throw new RecordDecodingException(
        ReasonCode.OTHER, "a " + type + " record on the snapshots topic");
  }

  /**
   * Refuses a header of this model that does not verify, before the assembler sees it: a forged
   * header of a high version then never counts as the newest snapshot, so genuine ones keep
   * loading. Its chunks stay pending until evicted, without a second dead letter.
   */
  private void checkSignature(SnapshotHeader header) {
    if (verifier == null
        || !header.getModelId().toString().equals(modelId)
        || header.getVersion() <= assembler.newestVersion().orElse(-1)) {
      return;
    }
    Optional<String> refusal = verifier.refusal(header);
    if (refusal.isPresent()) {
      throw new RecordDecodingException(ReasonCode.BAD_CHUNK, refusal.get());
    }
  }

  private void remember(CharSequence model, long version, ConsumerRecord<byte[], byte[]> r) {
    if (model.toString().equals(modelId) && version > assembler.newestVersion().orElse(-1)) {
      firstRecords.putIfAbsent(version, r);
      acceptingVersion = version;
    }
  }

  /**
   * Versions the assembler gave up on (evicted incomplete, or superseded by a newer complete one)
   * can never be used: one dead letter each, pointing at the version's first record, so their
   * records are not dropped silently. Then forgets first records of versions no longer pending.
   */
  private void deadLetterAbandoned(
      ConsumerRecord<byte[], byte[]> current, KafkaProducer<byte[], byte[]> dlq) {
    for (SnapshotAssembler.Abandoned a : assembler.drainAbandoned()) {
      if (rejectedVersions.contains(a.version())) {
        continue; // its records are leftovers of a version already dead-lettered
      }
      ConsumerRecord<byte[], byte[]> first = firstRecords.getOrDefault(a.version(), current);
      String why =
          String.format(
              Locale.ROOT,
              "snapshot %s v%d abandoned incomplete: %d of %s chunks, %s; newer snapshot records arrived",
              modelId,
              a.version(),
              a.chunks(),
              a.chunkCount() > 0 ? Integer.toString(a.chunkCount()) : "?",
              a.hadHeader() ? "header received" : "no header");
      metrics.deadLetter(stage, ReasonCode.BAD_CHUNK);
      dlq.send(
          DeadLetterRecords.of(
              topics.dlq(), Decoded.rejected(first, ReasonCode.BAD_CHUNK, why).deadLetter()));
    }
    firstRecords.keySet().removeIf(v -> !assembler.isPending(v));
    rejectedVersions.headSet(assembler.newestVersion().orElse(-1), true).clear();
  }

  private void load(AssembledSnapshot snapshot) {
    SnapshotHeader h = snapshot.header();
    Checkpoint checkpoint =
        Checkpoint.decode(
            snapshot.payload(), topics.snapshots() + " " + h.getModelId() + " v" + h.getVersion());
    Map<String, String> facts =
        Map.copyOf(
            h.getMetadata().entrySet().stream()
                .filter(e -> !e.getKey().toString().equals(SnapshotSignature.METADATA_KEY))
                .collect(
                    java.util.stream.Collectors.toMap(
                        e -> e.getKey().toString(), e -> e.getValue().toString())));
    gradient.call(
        () -> {
          Classifier model = Classifier.load(checkpoint);
          Loaded previous = current;
          Loaded loaded = new Loaded(h.getVersion(), model, facts);
          current = loaded;
          if (previous != null) {
            previous.model().close();
          }
          metrics.snapshotVersion(stage, loaded.version());
          first.complete(loaded);
          for (Consumer<Loaded> l : listeners) {
            l.accept(loaded);
          }
          return null;
        });
  }

  @Override
  public void close() {
    running = false;
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Loaded l = current;
    current = null;
    if (l != null) {
      gradient.call(
          () -> {
            l.model().close();
            return null;
          });
    }
  }
}
