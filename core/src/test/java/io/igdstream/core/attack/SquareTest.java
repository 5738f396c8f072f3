package io.igdstream.core.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Square's pure pieces, checked by hand against the reference's formulas (no engine). */
class SquareTest {

  @Test
  void pScheduleHalvesAfterEachBreakpointWithoutRescaling() {
    int[] iterations = {0, 10, 11, 50, 51, 200, 201, 500, 501, 1000, 1001, 2000, 2001, 4000, 4001};
    double[] expected = {
      0.8, 0.8, 0.4, 0.4, 0.2, 0.2, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125, 0.00625
    };
    for (int k = 0; k < iterations.length; k++) {
      assertEquals(
          expected[k], Square.pSelection(0.8, iterations[k]), 1e-15, "i = " + iterations[k]);
    }
    // standard AA's last query (i = 4999) is still in (4000, 6000]: no rescaling to 5,000 queries.
    assertEquals(0.8 / 128, Square.pSelection(0.8, 4999), 1e-15);
    assertEquals(0.8 / 128, Square.pSelection(0.8, 6000), 1e-15);
    assertEquals(0.8 / 256, Square.pSelection(0.8, 6001), 1e-15);
    assertEquals(0.8 / 256, Square.pSelection(0.8, 8000), 1e-15);
    assertEquals(0.8 / 512, Square.pSelection(0.8, 8001), 1e-15);
    assertEquals(0.8 / 512, Square.pSelection(0.8, 100_000), 1e-15);
    assertEquals(0.3 / 2, Square.pSelection(0.3, 11), 1e-15);
  }

  @Test
  void linfSidesOn28By28FollowTheSchedule() {
    // √(0.8·784) = 25.04, √(0.4·784) = 17.7, … , √(0.00625·784) = 2.21
    int[] expected = {25, 18, 13, 9, 6, 4, 3, 2};
    for (int k = 0; k < expected.length; k++) {
      assertEquals(expected[k], Square.linfSide(0.8 / (1 << k), 1, 28, 28), "p = 0.8/" + (1 << k));
    }
    // colour: the side is taken over H·W, not C·H·W: √(0.8·1024) = 28.6
    assertEquals(29, Square.linfSide(0.8, 3, 32, 32));
  }

  @Test
  void linfSideRoundsHalvesToEvenIsAtLeastOneAndFitsTheImage() {
    assertEquals(2, Square.linfSide(0.25, 3, 5, 5)); // √6.25 = 2.5 → 2 (Python round)
    assertEquals(4, Square.linfSide(0.25, 1, 7, 7)); // √12.25 = 3.5 → 4
    assertEquals(1, Square.linfSide(0.001, 1, 10, 10)); // √0.1 → 0 → 1
    assertEquals(4, Square.linfSide(1.0, 1, 4, 10)); // √40 = 6.3 → 6, capped at min(H, W)
  }

  @Test
  void l2SidesAreOddAtLeastThreeAndCappedAfterwards() {
    // 25, 18→19, 13, 9, 6→7, 4→5, 3, 2→3
    int[] expected = {25, 19, 13, 9, 7, 5, 3, 3};
    for (int k = 0; k < expected.length; k++) {
      assertEquals(expected[k], Square.l2Side(0.8 / (1 << k), 1, 28, 28), "p = 0.8/" + (1 << k));
    }
    assertEquals(28, Square.l2Side(1.0, 1, 28, 28)); // 28 → 29, then capped: even again
    assertEquals(3, Square.l2Side(0.001, 1, 10, 10));
  }

  @Test
  void rectanglesNestRingsOfOneOverKSquaredAroundAnOffCentrePeak() {
    // rows = 2, cols = 5: centre (r_c, c_c) = (2, 3); rings k = 0, 1, 2 add 1, 1/4, 1/9 on
    // rows [1,2) × cols [2,3), rows [0,2) × cols [1,4), rows [0,2) × cols [0,5).
    double a = 1.0 / 9;
    double b = a + 0.25;
    double[] raw = {a, b, b, b, a, a, b, b + 1, b, a};
    assertArrayEquals(unit(raw), Square.rectangles(2, 5), 1e-6f);
    assertEquals(0, Square.rectangles(0, 5).length);
  }

  @Test
  void windowIsPositiveRectanglesOnTopAndNegativeBelowWithUnitNorm() {
    // s = 3: top row = rectangles(1, 3) ∝ (1, 5, 1); the lower two rows = −rectangles(2, 3) ∝
    // −((1, 1, 1), (1, 5, 1)); each half has norm 1 before the whole is scaled to norm 1.
    double t = 1 / Math.sqrt(27) / Math.sqrt(2);
    double u = 1 / Math.sqrt(30) / Math.sqrt(2);
    float[] expected = {
      (float) t, (float) (5 * t), (float) t,
      (float) -u, (float) -u, (float) -u,
      (float) -u, (float) (-5 * u), (float) -u
    };
    assertArrayEquals(expected, Square.window(3, false), 1e-6f);
    float[] transposed = Square.window(3, true);
    for (int r = 0; r < 3; r++) {
      for (int c = 0; c < 3; c++) {
        assertEquals(expected[r * 3 + c], transposed[c * 3 + r], 1e-6f);
      }
    }
    assertArrayEquals(new float[] {-1f}, Square.window(1, false), 0f);
  }

  @Test
  void everyWindowHasUnitNormAndHalvesOfEqualNorm() {
    for (int s = 1; s <= 29; s++) {
      float[] window = Square.window(s, s % 2 == 0);
      double total = 0;
      double positive = 0;
      for (float v : window) {
        total += (double) v * v;
        positive += v > 0 ? (double) v * v : 0;
      }
      assertEquals(1.0, total, 1e-6, "s = " + s);
      assertEquals(s == 1 ? 0.0 : 0.5, positive, 1e-6, "s = " + s);
    }
  }

  @Test
  void standardSettingsAreAutoAttacks() {
    SquareSettings standard = SquareSettings.standard(Norm.LINF, 0.1);
    assertEquals(5000, standard.queries());
    assertEquals(0.8, standard.pInit());
    assertEquals(1, standard.restarts());
    assertEquals("square-linf-5000", new Square(standard).name());
    assertEquals(
        "square-l2-300", new Square(SquareSettings.standard(Norm.L2, 2.0).withQueries(300)).name());
  }

  @Test
  void invalidSettingsAreRejectedByName() {
    List<Runnable> bad =
        List.of(
            () -> new SquareSettings(null, 0.1, 10, 0.8, 1),
            () -> new SquareSettings(Norm.LINF, -0.1, 10, 0.8, 1),
            () -> new SquareSettings(Norm.LINF, 1.5, 10, 0.8, 1),
            () -> new SquareSettings(Norm.L2, Double.NaN, 10, 0.8, 1),
            () -> new SquareSettings(Norm.L2, Double.POSITIVE_INFINITY, 10, 0.8, 1),
            () -> new SquareSettings(Norm.L2, 2.0, 0, 0.8, 1),
            () -> new SquareSettings(Norm.L2, 2.0, 10, 0, 1),
            () -> new SquareSettings(Norm.L2, 2.0, 10, 1.2, 1),
            () -> new SquareSettings(Norm.L2, 2.0, 10, 0.8, 0));
    String[] keys = {"norm", "eps", "eps", "eps", "eps", "queries", "pInit", "pInit", "restarts"};
    for (int k = 0; k < bad.size(); k++) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad.get(k)::run);
      assertTrue(e.getMessage().startsWith(keys[k] + " must be"), e.getMessage());
    }
    // an l2 radius above 1 is a valid radius (2.0 on 28×28 grey data)
    assertEquals(2.0, new SquareSettings(Norm.L2, 2.0, 10, 0.8, 1).eps());
  }

  private static float[] unit(double[] raw) {
    double sq = 0;
    for (double v : raw) {
      sq += v * v;
    }
    float[] out = new float[raw.length];
    for (int j = 0; j < raw.length; j++) {
      out[j] = (float) (raw[j] / Math.sqrt(sq));
    }
    return out;
  }
}
