package io.igdstream.streams.evaluate;

import io.igdstream.core.data.Dataset;
import io.igdstream.core.model.ModelSpec;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import java.util.function.Consumer;

/**
 * What the evaluator role reads from Kafka for an evaluation, cached: the test split, read once per
 * model shape (ingest may still be writing when the evaluator starts, so not before the first
 * evaluation), and the corrupted test images, re-read each time until every one is there. Reads
 * block: call {@link #read} off the gradient thread.
 */
final class EvaluationInputs {

  /** An evaluation's inputs; {@code corrupted} is null without the corruption test. */
  record Inputs(TestSet tests, StoredCorruptions corrupted) {}

  private final KafkaSettings kafka;
  private final TopicNames topics;
  private final EvaluateSettings settings;
  private final Consumer<String> log;
  private volatile TestSet testSet;
  private volatile StoredCorruptions corrupted;

  EvaluationInputs(
      KafkaSettings kafka, TopicNames topics, EvaluateSettings settings, Consumer<String> log) {
    this.kafka = kafka;
    this.topics = topics;
    this.settings = settings;
    this.log = log;
  }

  /**
   * The inputs for a model of {@code spec}.
   *
   * @param withCorruptions whether the evaluation runs the corruption test
   */
  Inputs read(ModelSpec spec, boolean withCorruptions) {
    TestSet tests = testSet;
    if (tests == null || !fits(tests.dataset(), spec)) {
      tests =
          TestSet.load(kafka, topics.samples(), spec, settings.testLimit(), settings.scanTimeout());
      testSet = tests;
      corrupted = null;
      log.accept(
          "evaluate: "
              + tests.dataset().size()
              + " test images of "
              + tests.dataset().name()
              + (tests.skipped() > 0 ? " (" + tests.skipped() + " invalid records skipped)" : ""));
    }
    StoredCorruptions images = null;
    if (withCorruptions) {
      images = corrupted;
      if (images == null || !images.complete()) {
        images =
            StoredCorruptions.load(
                kafka, topics.testCorrupted(), tests, settings.seed(), settings.scanTimeout());
        corrupted = images;
        log.accept(
            "evaluate: "
                + images.stored()
                + " corrupted test images read"
                + (images.skipped() > 0
                    ? " (" + images.skipped() + " invalid records skipped)"
                    : ""));
      }
    }
    return new Inputs(tests, images);
  }

  private static boolean fits(Dataset d, ModelSpec spec) {
    return d.channels() == spec.channels()
        && d.height() == spec.height()
        && d.width() == spec.width()
        && d.classCount() == spec.classes();
  }
}
