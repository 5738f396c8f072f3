package io.igdstream.core.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class AutoAttackVersionTest {

  private static List<String> names(AutoAttack a) {
    return a.members().stream().map(AutoAttack.Member::name).toList();
  }

  @Test
  void standardRunsTheReferenceOrderOfFourAttacks() {
    AutoAttack a = AutoAttackVersion.STANDARD.ensemble(Norm.LINF, 0.1, 10, 250);
    assertEquals(List.of("apgd-ce", "apgd-t", "fab-t", "square"), names(a));
    assertEquals(0.1, a.eps());
    assertEquals("standard", a.version());
    Square square = (Square) a.members().get(3).attack();
    assertEquals(5000, square.settings().queries());
    ApgdCe ce = (ApgdCe) a.members().get(0).attack();
    assertEquals(100, ce.settings().iterations());
    assertEquals(1, ce.settings().restarts());
  }

  @Test
  void apgdIsTheGradientHalf() {
    assertEquals(
        List.of("apgd-ce", "apgd-t"),
        names(AutoAttackVersion.APGD.ensemble(Norm.L2, 2.0, 10, 250)));
  }

  @Test
  void belowFourClassesTheTargetedAttacksAreSkippedWithANote() {
    AutoAttack a = AutoAttackVersion.STANDARD.ensemble(Norm.LINF, 0.1, 3, 250);
    assertEquals(List.of("apgd-ce", "square"), names(a));
    AutoAttackResult r =
        new AutoAttackResult(
            "standard", Norm.LINF, 0.1, 0, 0, List.of(), 0, new boolean[0], List.of());
    assertTrue(r.notes().isEmpty());
    // the ensemble carries the note into its result
    assertEquals(1, noteCount(a));
  }

  @Test
  void parsesItsNamesAndNamesABadOne() {
    assertEquals(AutoAttackVersion.APGD, AutoAttackVersion.parse("APGD"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> AutoAttackVersion.parse("plus"));
    assertTrue(e.getMessage().contains("'plus'"));
  }

  private static int noteCount(AutoAttack a) {
    // run on zero points: the driver returns the version's notes untouched
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
      var x = m.zeros(new ai.djl.ndarray.types.Shape(0, 1, 4, 4));
      var y = m.zeros(new ai.djl.ndarray.types.Shape(0), ai.djl.ndarray.types.DataType.INT64);
      return a.run(null, x, y, 0, AutoAttack.Progress.NONE).notes().size();
    }
  }
}
