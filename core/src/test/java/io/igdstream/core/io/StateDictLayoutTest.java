package io.igdstream.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.ModelSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link StateDictLayout} lists exactly the names, order and shapes the DJL models hold. */
class StateDictLayoutTest {

  @Test
  void layoutsEqualTheClassifiersStateDictsForSeveralShapes() {
    List<ModelSpec> specs =
        List.of(
            new ModelSpec(1, 28, 28, 10), new ModelSpec(3, 8, 16, 3), new ModelSpec(3, 32, 32, 7));
    for (Architecture a : Architecture.values()) {
      for (ModelSpec s : specs) {
        if (a == Architecture.PREACT_RESNET18 && s.height() < 16) {
          continue; // keep the test quick: preact sizes do not change the layout
        }
        try (Classifier model = Classifier.create(a, s, 0)) {
          LinkedHashMap<String, TensorData> state = model.stateDict();
          LinkedHashMap<String, long[]> layout =
              StateDictLayout.of(a.id(), s.channels(), s.height(), s.width(), s.classes());
          assertEquals(List.copyOf(state.keySet()), List.copyOf(layout.keySet()), a.id());
          state.forEach((n, t) -> assertArrayEquals(t.shape(), layout.get(n), a.id() + " " + n));
          assertEquals(a.id(), StateDictLayout.infer(state.keySet()));
        }
      }
    }
    assertEquals(
        List.of(Architecture.values()).stream().map(Architecture::id).toList(),
        StateDictLayout.ARCHITECTURES);
  }

  @Test
  void namesOfNoKnownArchitectureInferNothing() {
    assertNull(StateDictLayout.infer(Set.of("fc.weight", "fc.bias")));
  }
}
