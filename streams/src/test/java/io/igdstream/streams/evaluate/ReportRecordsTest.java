package io.igdstream.streams.evaluate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.igdstream.core.attack.AutoAttackResult;
import io.igdstream.core.attack.Norm;
import io.igdstream.core.eval.ModelResult;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.CorruptionError;
import io.igdstream.schemas.FractionError;
import io.igdstream.schemas.RobustnessReport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReportRecordsTest {

  private static final AvroCodec<RobustnessReport> CODEC = AvroCodec.of(RobustnessReport.class);
  private static final long CREATED = 1_700_000_000_000L;

  private static RobustnessReport throughKafka(ModelResult model) {
    return CODEC.decode(CODEC.encode(ReportRecords.toAvro(Results.report(model), model, CREATED)));
  }

  /** Everything the Avro form carries; per-sample data is not carried. */
  private static void assertCarried(ModelResult expected, ModelResult actual) {
    assertEquals(expected.modelId(), actual.modelId());
    assertEquals(expected.snapshotVersion(), actual.snapshotVersion());
    assertEquals(expected.architecture(), actual.architecture());
    assertEquals(expected.method(), actual.method());
    assertEquals(expected.cleanAccuracy(), actual.cleanAccuracy());
    assertEquals(expected.pgd20Accuracy(), actual.pgd20Accuracy());
    assertEquals(expected.giniPixel(), actual.giniPixel());
    assertEquals(expected.giniRegional(), actual.giniRegional());
    assertEquals(expected.inaAdd(), actual.inaAdd());
    assertEquals(expected.inaReplace(), actual.inaReplace());
    assertEquals(expected.rn(), actual.rn());
    assertEquals(expected.ioaGrey(), actual.ioaGrey());
    assertEquals(expected.ioaWhite(), actual.ioaWhite());
    assertEquals(expected.corruptions(), actual.corruptions());
    assertEquals(
        List.copyOf(expected.corruptions().keySet()), List.copyOf(actual.corruptions().keySet()));
  }

  @Test
  void aFullResultSurvivesTheRoundTripThroughTheCodec() {
    ModelResult model = Results.full("igd-small-cnn", 17);
    RobustnessReport avro = throughKafka(model);
    ModelResult back = ReportRecords.fromAvro(avro);

    assertCarried(model, back);
    assertEquals(0, back.giniPixelSamples().length);
    assertEquals(0, back.giniRegionalSamples().length);
    assertTrue(back.saliencyExamples().isEmpty());
    assertEquals("fashion-mnist", avro.getDataset());
    assertEquals(48, avro.getSamples());
    assertEquals(31, avro.getJointCorrect());
    assertEquals(5L, avro.getSeed());
    assertEquals(0.1, avro.getPgdEps());
    assertEquals(20, avro.getPgdSteps());
    assertEquals(Map.of("clean", 1.5, "pgd", 12.25), avro.getSeconds());
    assertEquals(CREATED, avro.getCreatedAtMs());
  }

  @Test
  void anAutoAttackRunSurvivesTheRoundTripAndAResultWithoutOneHasNone() {
    AutoAttackResult run =
        new AutoAttackResult(
            "standard",
            Norm.L2,
            2.0,
            4,
            0.75,
            List.of(
                new AutoAttackResult.Outcome("apgd-ce", 3, 1, 0.5, 0, 1.25),
                new AutoAttackResult.Outcome("apgd-t", 2, 0, 0.5, 0, 2.5),
                new AutoAttackResult.Outcome("fab-t", 2, 1, 0.25, 0, 3.0),
                new AutoAttackResult.Outcome("square", 1, 0, 0.25, 0, 4.0)),
            0.25,
            new boolean[] {false, true, false, false},
            List.of("a note"));
    ModelResult model = Results.full("igd-small-cnn", 17).withAutoAttack(run);
    RobustnessReport avro = throughKafka(model);
    assertEquals(0.25, avro.getAutoattack().getRobustAccuracy());
    assertEquals("l2", avro.getAutoattack().getNorm());

    AutoAttackResult back = ReportRecords.fromAvro(avro).autoAttack();
    assertEquals(run.version(), back.version());
    assertEquals(run.norm(), back.norm());
    assertEquals(run.eps(), back.eps());
    assertEquals(run.points(), back.points());
    assertEquals(run.cleanAccuracy(), back.cleanAccuracy());
    assertEquals(run.attacks(), back.attacks());
    assertEquals(run.robustAccuracy(), back.robustAccuracy());
    assertArrayEquals(run.robust(), back.robust());
    assertEquals(run.notes(), back.notes());
    assertCarried(model, ReportRecords.fromAvro(avro));
    assertEquals(
        "standard",
        ReportRecords.reportFromAvro(avro, new io.igdstream.core.model.ModelSpec(1, 28, 28, 10))
            .settings()
            .get("autoattack_version"));

    RobustnessReport none = throughKafka(Results.full("igd-small-cnn", 17));
    assertNull(none.getAutoattack());
    assertNull(ReportRecords.fromAvro(none).autoAttack());
  }

  @Test
  void aStoredRecordBecomesAOneModelReportForTheSnapshotsImageShape() {
    ModelResult model = Results.full("igd-small-cnn", 17);
    io.igdstream.core.eval.RobustnessReport report =
        ReportRecords.reportFromAvro(
            throughKafka(model), new io.igdstream.core.model.ModelSpec(1, 28, 28, 10));

    assertEquals("fashion-mnist", report.dataset());
    assertEquals(List.of(1, 28, 28), List.of(report.channels(), report.height(), report.width()));
    assertEquals(48, report.samples());
    assertEquals(31, report.jointCorrect());
    assertEquals(5L, report.seed());
    assertEquals(Map.of("pgd_eps", 0.1, "pgd_steps", 20), report.settings());
    assertEquals(Map.of("clean", 1.5, "pgd", 12.25), report.seconds());
    assertEquals(1, report.models().size());
    assertCarried(model, report.models().get(0));
  }

  @Test
  void testsNotRunStayNullAndCorruptionsEmpty() {
    ModelResult model = Results.cleanOnly("nat-small-cnn", 3);
    RobustnessReport avro = throughKafka(model);
    ModelResult back = ReportRecords.fromAvro(avro);

    assertCarried(model, back);
    assertNull(back.pgd20Accuracy());
    assertNull(back.giniPixel());
    assertNull(back.inaAdd());
    assertNull(back.rn());
    assertNull(back.ioaGrey());
    assertTrue(back.corruptions().isEmpty());
    assertNull(avro.getPgdEps(), "no PGD result, so no PGD settings");
    assertNull(avro.getPgdSteps());
    assertTrue(
        avro.getInaAdd().isEmpty() && avro.getRn().isEmpty() && avro.getCorruptions().isEmpty());
  }

  @Test
  void fractionsAreSortedAndCorruptionsKeepTheirOrderWithSeveritiesAscending() {
    RobustnessReport avro =
        ReportRecords.toAvro(Results.report(Results.full("m", 1)), Results.full("m", 1), CREATED);
    assertEquals(
        List.of(0.002, 0.004), avro.getInaAdd().stream().map(FractionError::getFraction).toList());
    assertEquals(
        List.of(0.02, 0.04), avro.getRn().stream().map(FractionError::getFraction).toList());
    List<CorruptionError> c = avro.getCorruptions();
    assertEquals(10, c.size());
    assertEquals("gaussian_noise", c.get(0).getName());
    assertEquals(1, c.get(0).getSeverity());
    assertEquals("contrast", c.get(9).getName());
    assertEquals(5, c.get(9).getSeverity());
  }

  @Test
  void aRepeatedFractionInARecordIsRejected() {
    RobustnessReport avro =
        ReportRecords.toAvro(Results.report(Results.full("m", 1)), Results.full("m", 1), CREATED);
    avro.setRn(List.of(new FractionError(0.02, 0.1), new FractionError(0.02, 0.2)));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ReportRecords.fromAvro(avro));
    assertTrue(e.getMessage().contains("rn: fraction 0.02 appears twice"), e.getMessage());
  }

  @Test
  void theKeyIsModelIdSlashVersion() {
    assertEquals("igd-small-cnn/17", ReportRecords.key("igd-small-cnn", 17));
    assertEquals("m/-1", ReportRecords.key("m", -1));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "runs/igd"})
  void aModelIdThatWouldMakeAnAmbiguousKeyIsRejected(String id) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ReportRecords.key(id, 1));
    assertTrue(
        e.getMessage().contains("model id") && e.getMessage().contains("'" + id + "'"),
        e.getMessage());
  }
}
