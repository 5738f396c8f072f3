package io.igdstream.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.igdstream.core.TestData;
import io.igdstream.core.TestModels;
import io.igdstream.core.data.Dataset;
import io.igdstream.core.io.CheckpointDirectory;
import io.igdstream.core.io.TensorData;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run that crashes and resumes from its checkpoint ends exactly where the uninterrupted run does.
 */
class ResumeTest {

  private static Dataset train;
  private static Classifier teacher;

  @BeforeAll
  static void setUp() {
    train = TestData.fashionMnistSmall().train().limit(256);
    teacher = TestModels.natSmallCnn(train, 20, 9);
    teacher.freeze();
  }

  @AfterAll
  static void close() {
    teacher.close();
  }

  /**
   * IGD, batch 64 → 4 steps per epoch, 2 epochs, checkpoints every 3 steps and at epoch ends;
   * plateau schedule.
   */
  private static TrainSettings settings() {
    return TrainSettings.fromConfig(
        ConfigFactory.parseString(
                "igd.train { method = igd, epochs = 2, batch-size = 64, checkpoint-every = 3, keep-checkpoints = 2, seed = 5,"
                    + " schedule { kind = plateau, patience = 0, threshold = 0.5 } }\n"
                    + " igd.attack { train-steps = 3 }")
            .withFallback(ConfigFactory.load()));
  }

  /**
   * Records each step's terms; throws after {@code crashAfter} steps to simulate a killed process.
   */
  private static final class Recorder implements LocalTrainer.Listener {
    final List<StepTerms> terms = new ArrayList<>();
    final List<Long> steps = new ArrayList<>();
    final List<String> messages = new ArrayList<>();
    final long crashAfter;

    Recorder(long crashAfter) {
      this.crashAfter = crashAfter;
    }

    @Override
    public void onStep(LocalTrainer.Progress p) {
      terms.add(p.terms());
      steps.add(p.step());
      if (p.step() == crashAfter) {
        throw new IllegalStateException("simulated crash");
      }
    }

    @Override
    public void onMessage(String message) {
      messages.add(message);
    }
  }

  private static Map<String, TensorData> run(Path dir, Recorder recorder) {
    try (Classifier model =
        new LocalTrainer(
                settings(),
                Architecture.SMALL_CNN,
                train,
                teacher,
                new CheckpointDirectory(dir, 2),
                Map.of("dataset", "fixture"),
                recorder)
            .run()) {
      return model.stateDict();
    }
  }

  @Test
  void crashedAndResumedRunEqualsUninterruptedRun(
      @TempDir Path uninterrupted, @TempDir Path crashing) {
    Recorder reference = new Recorder(-1);
    Map<String, TensorData> expected = run(uninterrupted, reference);
    assertEquals(8, reference.terms.size());

    Recorder first = new Recorder(6); // checkpoints exist for steps 3 and 4; steps 5 and 6 are lost
    assertThrows(IllegalStateException.class, () -> run(crashing, first));
    Recorder second = new Recorder(-1);
    Map<String, TensorData> actual = run(crashing, second);

    assertTrue(
        second.messages.stream().anyMatch(m -> m.contains("resumed from checkpoint at step 4")),
        second.messages.toString());
    assertEquals(List.of(5L, 6L, 7L, 8L), second.steps);
    for (int i = 0; i < second.terms.size(); i++) {
      assertEquals(
          reference.terms.get(4 + i), second.terms.get(i), "step " + (5 + i) + " after resume");
    }
    assertEquals(expected.keySet(), actual.keySet());
    expected.forEach(
        (name, t) -> assertArrayEquals(t.toFloats(), actual.get(name).toFloats(), 0f, name));
  }

  @Test
  void resumingACompletedRunTrainsNothingMore(@TempDir Path dir) {
    Map<String, TensorData> done = run(dir, new Recorder(-1));
    Recorder again = new Recorder(-1);
    Map<String, TensorData> rerun = run(dir, again);
    assertTrue(again.terms.isEmpty());
    done.forEach(
        (name, t) -> assertArrayEquals(t.toFloats(), rerun.get(name).toFloats(), 0f, name));
  }
}
