package io.igdstream.core.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * FAB's box-constrained projection against solutions found independently: ℓ2 by enumerating every
 * active set of box faces (3^D cases) and ℓ∞ by bisecting λ on the feasibility of the per-λ
 * interval of reachable w·δ.
 */
class FabProjectionTest {

  private static final int CASES = 3000;

  @Test
  void l2MatchesTheActiveSetEnumerationOnSmallCases() {
    Random random = new Random(11);
    int feasible = 0;
    for (int c = 0; c < CASES; c++) {
      Problem p = Problem.random(random);
      double[] delta = FabProjection.l2(p.t, p.w, p.b);
      double[] expected = bruteForceL2(p);
      if (expected == null) {
        assertIsCornerMove(p, delta, "l2 case " + c);
        continue;
      }
      feasible++;
      assertFeasible(p, delta, "l2 case " + c);
      // The ℓ2 optimum is unique: compare the vectors, not just the norms.
      assertArrayEquals(expected, delta, 1e-9, "l2 case " + c + " " + p);
    }
    assertTrue(feasible > CASES / 2, "too few feasible cases to mean anything: " + feasible);
  }

  @Test
  void linfMatchesTheFeasibilityBisectionOnSmallCases() {
    Random random = new Random(12);
    int feasible = 0;
    for (int c = 0; c < CASES; c++) {
      Problem p = Problem.random(random);
      double[] delta = FabProjection.linf(p.t, p.w, p.b);
      double expected = bruteForceLinf(p);
      if (Double.isNaN(expected)) {
        assertIsCornerMove(p, delta, "linf case " + c);
        continue;
      }
      feasible++;
      assertFeasible(p, delta, "linf case " + c);
      assertEquals(expected, FabProjection.norm(Norm.LINF, delta), 1e-9, "linf case " + c + p);
    }
    assertTrue(feasible > CASES / 2, "too few feasible cases to mean anything: " + feasible);
  }

  @Test
  void withoutTheBoxBindingItIsTheClosedFormDistance() {
    // t = (0.5, 0.5, 0.5), w = (1, −2, 0.5), b = w·t + 0.1: the plane is 0.1/‖w‖_q away.
    double[] t = {0.5, 0.5, 0.5};
    double[] w = {1, -2, 0.5};
    double b = (0.5 - 1 + 0.25) + 0.1;
    double[] linf = FabProjection.linf(t, w, b);
    assertEquals(0.1 / 3.5, FabProjection.norm(Norm.LINF, linf), 1e-12);
    assertArrayEquals(new double[] {0.1 / 3.5, -0.1 / 3.5, 0.1 / 3.5}, linf, 1e-12);
    double[] l2 = FabProjection.l2(t, w, b);
    double w2 = 1 + 4 + 0.25;
    assertArrayEquals(new double[] {0.1 / w2, -0.2 / w2, 0.05 / w2}, l2, 1e-12);
  }

  @Test
  void aFaceStopsACoordinateAndTheOthersMakeUpTheRest() {
    // t = (0.05, 0.5), w = (1, 1), b = w·t − 0.3: ℓ∞ can take only 0.05 from the first coordinate,
    // so the second moves 0.25; ℓ2 clips the first at 0 too and moves the second by 0.25.
    double[] t = {0.05, 0.5};
    double[] w = {1, 1};
    double b = 0.55 - 0.3;
    assertArrayEquals(new double[] {-0.05, -0.25}, FabProjection.linf(t, w, b), 1e-12);
    assertArrayEquals(new double[] {-0.05, -0.25}, FabProjection.l2(t, w, b), 1e-12);
  }

  @Test
  void anUnreachableHyperplaneGivesTheFullMoveToTheBoxCorner() {
    // w·v ≤ 1.5 on the box, b = 3: the reference returns the move to the corner (1, 1) (and leaves
    // the coordinate with w = 0 alone).
    double[] t = {0.2, 0.7, 0.4};
    double[] w = {1, 0.5, 0};
    double[] corner = {0.8, 0.3, 0};
    assertArrayEquals(corner, FabProjection.linf(t, w, 3), 1e-12);
    assertArrayEquals(corner, FabProjection.l2(t, w, 3), 1e-12);
    // And from the other side, w·v ≥ 0 > −1: the corner (0, 0).
    double[] other = {-0.2, -0.7, 0};
    assertArrayEquals(other, FabProjection.linf(t, w, -1), 1e-12);
    assertArrayEquals(other, FabProjection.l2(t, w, -1), 1e-12);
  }

  @Test
  void aPointOnTheHyperplaneDoesNotMoveEvenWithCoordinatesOnTheFaces() {
    double[] t = {0, 1, 0.3, 0};
    double[] w = {2, -1, 0.5, 1};
    double b = -1 + 0.15;
    assertArrayEquals(new double[4], FabProjection.linf(t, w, b), 1e-15);
    assertArrayEquals(new double[4], FabProjection.l2(t, w, b), 1e-15);
  }

  @Test
  void aZeroWeightCoordinateNeverMoves() {
    Random random = new Random(5);
    for (int c = 0; c < 200; c++) {
      Problem p = Problem.random(random);
      p.w[0] = 0;
      assertEquals(0, FabProjection.linf(p.t, p.w, p.b)[0]);
      assertEquals(0, FabProjection.l2(p.t, p.w, p.b)[0]);
    }
  }

  @Test
  void mismatchedLengthsAreRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> FabProjection.project(Norm.L2, new double[2], new double[3], 0));
  }

  /** A random problem with D in 2..4, t in the box (some coordinates on a face), w, b. */
  private record Problem(double[] t, double[] w, double b) {
    static Problem random(Random random) {
      int dim = 2 + random.nextInt(3);
      double[] t = new double[dim];
      double[] w = new double[dim];
      double[] v = new double[dim];
      for (int i = 0; i < dim; i++) {
        double u = random.nextDouble();
        t[i] = u < 0.15 ? 0 : u < 0.3 ? 1 : random.nextDouble();
        w[i] = random.nextDouble() < 0.1 ? 0 : 4 * random.nextDouble() - 2;
        v[i] = random.nextDouble();
      }
      // Mostly a plane through a random box point; sometimes one beyond the box.
      double b = dot(w, v) + (random.nextDouble() < 0.2 ? 3 * random.nextGaussian() : 0);
      return new Problem(t, w, b);
    }

    @Override
    public String toString() {
      return " t=" + Arrays.toString(t) + " w=" + Arrays.toString(w) + " b=" + b;
    }
  }

  /**
   * min ‖δ‖₂ over every active set: each coordinate at its lower face, its upper face or free; the
   * free ones solve the equality with the least-norm δ_F = μ·w_F. Null when infeasible.
   */
  private static double[] bruteForceL2(Problem p) {
    int dim = p.t.length;
    double target = p.b - dot(p.w, p.t); // w·δ must equal this
    double[] best = null;
    double bestNorm = Double.POSITIVE_INFINITY;
    int combos = (int) Math.pow(3, dim);
    for (int code = 0; code < combos; code++) {
      double[] delta = new double[dim];
      boolean[] free = new boolean[dim];
      double rest = target;
      double freeWeight = 0;
      int k = code;
      for (int i = 0; i < dim; i++) {
        int state = k % 3;
        k /= 3;
        if (state == 0) {
          delta[i] = -p.t[i];
        } else if (state == 1) {
          delta[i] = 1 - p.t[i];
        } else {
          free[i] = true;
          freeWeight += p.w[i] * p.w[i];
          continue;
        }
        rest -= p.w[i] * delta[i];
      }
      double mu;
      if (freeWeight == 0) {
        if (Math.abs(rest) > 1e-12) {
          continue;
        }
        mu = 0;
      } else {
        mu = rest / freeWeight;
      }
      boolean inBox = true;
      for (int i = 0; i < dim; i++) {
        if (free[i]) {
          delta[i] = mu * p.w[i];
          inBox &= p.t[i] + delta[i] >= -1e-12 && p.t[i] + delta[i] <= 1 + 1e-12;
        }
      }
      double norm = FabProjection.norm(Norm.L2, delta);
      if (inBox && norm < bestNorm - 1e-15) {
        bestNorm = norm;
        best = delta;
      }
    }
    return best;
  }

  /**
   * min ‖δ‖∞: for a budget λ the reachable w·δ form an interval (each coordinate independently in
   * [max(−t_i, −λ), min(1 − t_i, λ)]); bisect λ ∈ [0, 1] on whether it holds the target. NaN when
   * even λ = 1 (the whole box) does not.
   */
  private static double bruteForceLinf(Problem p) {
    double target = p.b - dot(p.w, p.t);
    if (!reachable(p, 1, target)) {
      return Double.NaN;
    }
    double lo = 0;
    double hi = 1;
    if (reachable(p, 0, target)) {
      return 0;
    }
    for (int it = 0; it < 200; it++) {
      double mid = 0.5 * (lo + hi);
      if (reachable(p, mid, target)) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return hi;
  }

  private static boolean reachable(Problem p, double lambda, double target) {
    double min = 0;
    double max = 0;
    for (int i = 0; i < p.t.length; i++) {
      double lo = Math.max(-p.t[i], -lambda);
      double hi = Math.min(1 - p.t[i], lambda);
      min += Math.min(p.w[i] * lo, p.w[i] * hi);
      max += Math.max(p.w[i] * lo, p.w[i] * hi);
    }
    return min <= target && target <= max;
  }

  private static void assertFeasible(Problem p, double[] delta, String what) {
    double[] v = new double[delta.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = p.t[i] + delta[i];
      assertTrue(v[i] >= -1e-12 && v[i] <= 1 + 1e-12, what + ": left the box at " + i + p);
    }
    assertEquals(p.b, dot(p.w, v), 1e-9, what + ": not on the hyperplane" + p);
  }

  /**
   * The reference's infeasible answer: every coordinate with w ≠ 0 to its face towards the plane.
   */
  private static void assertIsCornerMove(Problem p, double[] delta, String what) {
    double side = dot(p.w, p.t) - p.b >= 0 ? 1 : -1; // w·v must go down (side 1) or up
    for (int i = 0; i < delta.length; i++) {
      double expected = p.w[i] == 0 ? 0 : (side * p.w[i] > 0 ? -p.t[i] : 1 - p.t[i]);
      assertEquals(expected, delta[i], 1e-12, what + ": coordinate " + i + p);
    }
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
