package io.igdstream.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.igdstream.trainer.StalenessPolicy.Action;
import org.junit.jupiter.api.Test;

/** Staleness is versions behind the newest published one; past the maximum the policy decides. */
class StalenessPolicyTest {

  @Test
  void stalenessIsVersionsBehindAndNeverNegative() {
    assertEquals(3, StalenessPolicy.staleness(5, 2));
    assertEquals(0, StalenessPolicy.staleness(5, 5));
    assertEquals(0, StalenessPolicy.staleness(5, 9)); // made against a newer snapshot
  }

  @Test
  void withinTheMaximumEveryPolicyTrainsAndPastItEachDoesItsOwnThing() {
    for (StalenessPolicy p : StalenessPolicy.values()) {
      assertEquals(Action.TRAIN, p.actionFor(5, 3, 2), p.id());
    }
    assertEquals(Action.TRAIN_STALE, StalenessPolicy.TRAIN.actionFor(5, 2, 2));
    assertEquals(Action.DROP, StalenessPolicy.DROP.actionFor(5, 2, 2));
    assertEquals(Action.REGENERATE, StalenessPolicy.REGENERATE.actionFor(5, 2, 2));
    assertEquals(Action.TRAIN_STALE, StalenessPolicy.TRAIN.actionFor(1, 0, 0));
  }
}
