package io.igdstream.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.igdstream.core.io.Checkpoint;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shared step bookkeeping on hand-computed sequences. */
class TrainingLedgerTest {

  private static final double TOL = 1e-15;

  private static StepTerms loss(double total) {
    return new StepTerms(total, total, 0, 0);
  }

  private static ScheduleSettings plateau() {
    // decays ×0.5 after one epoch without any improvement
    return new ScheduleSettings("plateau", List.of(), 0.5, 0, 0);
  }

  @Test
  void aNonFiniteLossFailsNamingTheStepAndTheConfiguredRateAndIsNotCounted() {
    TrainingLedger ledger =
        new TrainingLedger(new ScheduleSettings("constant", List.of(), 1, 0, 0), 0.05, 10);
    ledger.stepped(loss(1.0));
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> ledger.stepped(loss(Double.NaN)));
    assertEquals(
        "training diverged at step 1 (loss NaN); lower igd.train.learning-rate (now 0.05)",
        e.getMessage());
    assertEquals(1, ledger.step());
    assertEquals(1, ledger.epochSteps());
  }

  @Test
  void pastThePlannedStepsTheRateStaysAtTheLastPlannedStepsRate() {
    // multi-step at round(0.5 · 4) = 2: steps 0, 1 at 1.0; 2, 3 at 0.1
    TrainingLedger ledger =
        new TrainingLedger(new ScheduleSettings("multi-step", List.of(0.5), 0.1, 0, 0), 1.0, 4);
    double[] rates = new double[6];
    for (int i = 0; i < rates.length; i++) {
      rates[i] = ledger.rate();
      ledger.stepped(loss(1));
    }
    assertEquals(1.0, rates[1], TOL);
    assertEquals(0.1, rates[2], TOL);
    assertEquals(0.1, rates[4], TOL);
    assertEquals(0.1, rates[5], TOL);
  }

  @Test
  void anEpochsEndGivesThePlateauTheMeanLossOverTheGivenSteps() {
    TrainingLedger ledger = new TrainingLedger(plateau(), 1.0, 100);
    ledger.stepped(loss(2));
    ledger.stepped(loss(4));
    assertEquals(3.0, ledger.endEpoch(2), TOL);
    assertEquals(0, ledger.epochSteps());
    assertEquals(1.0, ledger.rate(), TOL); // 3 is the best so far
    ledger.stepped(loss(4));
    ledger.stepped(loss(4));
    assertEquals(4.0, ledger.endEpoch(2), TOL);
    assertEquals(0.5, ledger.rate(), TOL); // no improvement on 3: one decay
    ledger.stepped(loss(6));
    assertEquals(2.0, ledger.endEpoch(3), TOL, "the divisor is the caller's");
  }

  @Test
  void aRestoredLedgerContinuesExactlyWhereTheCheckpointedOneWas() {
    TrainingLedger ledger = new TrainingLedger(plateau(), 1.0, 100);
    ledger.stepped(loss(2));
    ledger.endEpoch(1);
    ledger.stepped(loss(5));
    ledger.endEpoch(1); // decays to 0.5
    ledger.stepped(loss(1.5));
    Map<String, String> meta = new LinkedHashMap<>();
    ledger.writeTo(meta);
    assertEquals("3", meta.get("step"));
    assertEquals("1", meta.get("epoch_steps"));

    TrainingLedger back = new TrainingLedger(plateau(), 1.0, 100);
    back.restore(new Checkpoint(meta, new LinkedHashMap<>(), new LinkedHashMap<>()));
    assertEquals(3, back.step());
    assertEquals(1, back.epochSteps());
    assertEquals(0.5, back.rate(), TOL);
    back.stepped(loss(2.5));
    ledger.stepped(loss(2.5));
    assertEquals(ledger.endEpoch(2), back.endEpoch(2), TOL);
    assertEquals(ledger.rate(), back.rate(), TOL);
  }
}
