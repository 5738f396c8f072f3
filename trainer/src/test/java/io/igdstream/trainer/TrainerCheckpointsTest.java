package io.igdstream.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.igdstream.core.io.CheckpointDirectory;
import io.igdstream.core.io.CheckpointException;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import io.igdstream.core.model.ModelSpec;
import io.igdstream.core.train.Sgd;
import io.igdstream.core.train.StepTerms;
import io.igdstream.core.train.TrainSettings;
import io.igdstream.core.train.TrainingLedger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint holds the whole trainer state, comes back whole, and only into the same run. */
class TrainerCheckpointsTest {

  static final ModelSpec SPEC = new ModelSpec(1, 28, 28, 10);
  static final String TOPIC = "t.train.adversarial";

  @TempDir Path dir;

  final Config config = KafkaTrainerTest.config("");
  final TrainerSettings settings = TrainerSettings.fromConfig(config);
  final TrainSettings train = TrainSettings.fromConfig(config);
  final GradientThread gradient = GradientThread.shared();

  TrainerCheckpoints checkpoints(int samples) {
    return new TrainerCheckpoints(
        new CheckpointDirectory(dir, 2),
        settings,
        train,
        new TrainingSplit(samples, SPEC, "fixture"),
        TOPIC,
        gradient);
  }

  TrainerState state(int samples) {
    return new TrainerState(TrainingLedger.of(train, 10), new TrainedSet(samples, train.epochs()));
  }

  /** A fresh student and its optimiser, made on the gradient thread; the caller closes both. */
  record Model(Classifier student, Sgd sgd) implements AutoCloseable {
    @Override
    public void close() {
      GradientThread.shared()
          .call(
              () -> {
                sgd.close();
                student.close();
                return null;
              });
    }
  }

  Model model(long seed) {
    return gradient.call(
        () -> {
          Classifier c = Classifier.create(Architecture.of("small-cnn"), SPEC, seed);
          return new Model(c, new Sgd(c.trainableParameters(), train.sgd(), c.manager()));
        });
  }

  @Test
  void dueEveryCheckpointEveryTrainedStepsAndAtTheEnd() {
    TrainerCheckpoints c = checkpoints(4); // checkpoint-every = 2 in the test config
    assertTrue(c.due(4, true, false));
    assertFalse(c.due(3, true, false));
    assertFalse(c.due(4, false, false), "a batch of skipped records adds no step");
    assertTrue(c.due(3, false, true));
  }

  @Test
  void aSavedStateComesBackWhole() {
    TrainerState saved = state(4);
    saved.ledger.stepped(new StepTerms(1.25, 1, 0.25, 0));
    saved.seen.add(TrainedSet.key("s-1", 0), 0);
    saved.seen.add(TrainedSet.key("s-2", 1), 1);
    saved.next.put(new TopicPartition(TOPIC, 0), 17L);
    saved.next.put(new TopicPartition(TOPIC, 2), 5L);
    saved.version = 3;
    saved.trained = 30;
    saved.duplicates = 2;
    saved.stale = 4;
    saved.deadLetters = 1;
    saved.maxStaleness = 6;
    try (Model a = model(1);
        Model b = model(2)) {
      assertTrue(
          KafkaTrainerTest.maxAbsDiff(
                  KafkaTrainerTest.stateDict(a.student()), KafkaTrainerTest.stateDict(b.student()))
              > 0,
          "two seeds, two initial models");
      checkpoints(4).save(saved, a.student(), a.sgd());

      TrainerState back = state(4);
      List<String> log = new ArrayList<>();
      assertTrue(checkpoints(4).restore(back, b.student(), b.sgd(), log::add));

      assertEquals(1, back.ledger.step());
      assertEquals(1, back.ledger.epochSteps());
      assertEquals(saved.next, back.next);
      assertEquals(3, back.version);
      assertEquals(30, back.trained);
      assertEquals(2, back.duplicates);
      assertEquals(4, back.stale);
      assertEquals(1, back.deadLetters);
      assertEquals(6, back.maxStaleness);
      assertEquals(1, back.seen.handled(0));
      assertTrue(back.seen.contains(TrainedSet.key("s-2", 1)));
      assertFalse(back.seen.contains(TrainedSet.key("s-2", 0)));
      KafkaTrainerTest.assertSameWeights(
          KafkaTrainerTest.stateDict(a.student()), KafkaTrainerTest.stateDict(b.student()), 0);
      assertEquals(1, log.size(), log.toString());
      assertTrue(log.get(0).startsWith("resumed at step 1 (snapshot v3, 30 records trained)"));
    }
  }

  @Test
  void nothingToRestoreInAnEmptyDirectoryAndAnotherRunsCheckpointIsRefused() {
    try (Model a = model(1)) {
      assertFalse(checkpoints(4).restore(state(4), a.student(), a.sgd(), m -> {}));
      checkpoints(4).save(state(4), a.student(), a.sgd());
      CheckpointException e =
          assertThrows(
              CheckpointException.class,
              () -> checkpoints(5).restore(state(5), a.student(), a.sgd(), m -> {}));
      assertTrue(
          e.getMessage().contains("4 samples x 2 epochs, this one has 5 x 2"), e.getMessage());
    }
  }
}
