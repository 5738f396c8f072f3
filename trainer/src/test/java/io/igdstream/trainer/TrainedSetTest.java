package io.igdstream.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.igdstream.core.io.Checkpoint;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The trained pairs: epochs end when every sample is handled, and the state survives a checkpoint.
 */
class TrainedSetTest {

  @Test
  void aPairIsSampleAndEpoch() {
    assertEquals(TrainedSet.key("s-1", 0), TrainedSet.key("s-1", 0));
    assertNotEquals(TrainedSet.key("s-1", 0), TrainedSet.key("s-1", 1));
    assertNotEquals(TrainedSet.key("s-1", 0), TrainedSet.key("s-2", 0));
  }

  @Test
  void theCurrentEpochIsTheFirstWithSamplesLeftAndTheRunEndsWhenNoneHas() {
    TrainedSet set = new TrainedSet(2, 2);
    assertEquals(0, set.currentEpoch());
    set.add(TrainedSet.key("a", 1), 1); // an epoch ahead does not end epoch 0
    set.add(TrainedSet.key("a", 0), 0);
    assertEquals(0, set.currentEpoch());
    assertFalse(set.doneWith(List.of(0)));
    assertTrue(set.doneWith(List.of(0, 1)));
    set.add(TrainedSet.key("b", 0), 0);
    assertEquals(1, set.currentEpoch());
    assertFalse(set.done());
    set.add(TrainedSet.key("b", 1), 1);
    assertEquals(2, set.currentEpoch());
    assertTrue(set.done());
    assertTrue(set.contains(TrainedSet.key("b", 1)));
    assertFalse(set.contains(TrainedSet.key("c", 0)));
  }

  @Test
  void countsAndKeysComeBackFromTheCheckpoint() {
    TrainedSet set = new TrainedSet(3, 2);
    set.add(TrainedSet.key("a", 0), 0);
    set.add(TrainedSet.key("b", 0), 0);
    set.add(TrainedSet.key("a", 1), 1);
    Map<String, String> meta = new LinkedHashMap<>();
    set.writeTo(meta);
    assertEquals(Map.of("handled.0", "2", "handled.1", "1"), meta);
    assertEquals(3 * Long.BYTES, set.tensor().data().length);

    TrainedSet back = new TrainedSet(3, 2);
    back.restore(new Checkpoint(meta, new LinkedHashMap<>(), new LinkedHashMap<>()), set.tensor());
    assertEquals(2, back.handled(0));
    assertEquals(1, back.handled(1));
    assertTrue(back.contains(TrainedSet.key("b", 0)));
    assertTrue(back.contains(TrainedSet.key("a", 1)));
    assertFalse(back.contains(TrainedSet.key("b", 1)));

    TrainedSet empty = new TrainedSet(3, 2);
    assertEquals(0, empty.tensor().data().length);
    empty.restore(new Checkpoint(meta, new LinkedHashMap<>(), new LinkedHashMap<>()), null);
    assertFalse(empty.contains(TrainedSet.key("a", 0)));
  }
}
