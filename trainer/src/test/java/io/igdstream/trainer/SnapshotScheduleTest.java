package io.igdstream.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.igdstream.trainer.SnapshotSchedule.Due;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which version goes out when, every 3 steps. */
class SnapshotScheduleTest {

  final SnapshotSchedule every3 = new SnapshotSchedule(3);

  @Test
  void aRunStartsWithVersionZeroAndARestartAtASnapshotStepPublishesTheOneMissing() {
    assertEquals(Optional.of(new Due(0, false)), every3.atStart(0, -1));
    assertEquals(Optional.of(new Due(2, false)), every3.atStart(6, 1)); // v2 not out yet
    assertEquals(Optional.empty(), every3.atStart(6, 2));
    assertEquals(Optional.empty(), every3.atStart(7, 2)); // between snapshots
  }

  @Test
  void everyThirdTrainedStepPublishesStepOverThree() {
    assertEquals(Optional.empty(), every3.afterBatch(2, 0, true, false));
    assertEquals(Optional.of(new Due(1, false)), every3.afterBatch(3, 0, true, false));
    assertEquals(Optional.of(new Due(2, false)), every3.afterBatch(6, 1, true, false));
    // a batch of skipped records at a snapshot step trains nothing: no second v2
    assertEquals(Optional.empty(), every3.afterBatch(6, 2, false, false));
  }

  @Test
  void theLastSnapshotIsFinalAndNeverReusesAPublishedVersion() {
    // 7 steps: ceil(7 / 3) = 3
    assertEquals(Optional.of(new Due(3, true)), every3.afterBatch(7, 2, true, true));
    // 6 steps ending on a trained step: v2 now, final
    assertEquals(Optional.of(new Due(2, true)), every3.afterBatch(6, 1, true, true));
    // the last batch was all skipped and v2 is out already (not final): the same weights as v3
    assertEquals(Optional.of(new Due(3, true)), every3.afterBatch(6, 2, false, true));
  }

  @Test
  void everyMustBePositive() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new SnapshotSchedule(0));
    assertEquals("igd.trainer.snapshot-every must be >= 1, was 0", e.getMessage());
  }
}
