package io.igdstream.core.attack;

/**
 * FAB's projection step (Croce &amp; Hein 2020, "Minimally distorted adversarial examples with a
 * fast adaptive boundary attack", ICML, arXiv 1907.02044, §3.1, eq. 6): the smallest perturbation
 * δ, in ℓ∞ or ℓ2, that puts a point t ∈ [0, 1]^D onto the hyperplane {v : w·v = b} while keeping t
 * + δ in the box,
 *
 * <pre>  δ = argmin ‖δ‖_p  subject to  w·(t + δ) = b,  0 ≤ t + δ ≤ 1.</pre>
 *
 * Pure double-precision math on flat rows (one image of D = C·H·W values); no engine.
 *
 * <p><b>How it is solved</b> (the AutoAttack reference's {@code projection_linf} / {@code
 * projection_l2} do the same breakpoint search on float32 tensors). Flip the signs of w and b so
 * that c = w·t − b ≥ 0: δ must lower w·v by c. For a multiplier λ ≥ 0 the optimal δ(λ) moves every
 * coordinate "downhill" (towards 0 where w_i &gt; 0, towards 1 where w_i &lt; 0) and stops at the
 * box face:
 *
 * <ul>
 *   <li>ℓ∞: δ_i(λ) = −sign(w_i)·min(λ, p_i) with the room p_i = t_i (w_i &gt; 0) or 1 − t_i (w_i
 *       &lt; 0); λ is the common budget, i.e. ‖δ‖∞.
 *   <li>ℓ2: δ_i(λ) = clip(−λ·w_i, −t_i, 1 − t_i), the KKT solution of the box-constrained
 *       least-norm problem; coordinate i hits its face at r_i = t_i/w_i (w_i &gt; 0) or (t_i −
 *       1)/w_i (w_i &lt; 0).
 * </ul>
 *
 * Both make h(λ) = w·δ(λ) continuous, piecewise linear and non-increasing, with breakpoints at the
 * p_i (resp. r_i). Sorting the breakpoints and summing the |w_i| (resp. w_i²) still free beyond
 * each one gives h at every breakpoint; a bisection over the sorted breakpoints (⌈log2 D⌉ halvings,
 * as the reference) finds the segment where h crosses −c, and λ is solved linearly on it. Three
 * cases, as the reference distinguishes them:
 *
 * <ol>
 *   <li>the root lies before the first breakpoint: no coordinate reaches the box, δ = −λ·sign(w)
 *       (ℓ∞) or δ = −c·w/‖w‖² (ℓ2);
 *   <li>the root lies between breakpoints: the bisection above;
 *   <li><b>infeasible</b> (even with every coordinate at its downhill face, w·v stays above b): δ
 *       is that full move to the box corner, the box point closest to the hyperplane in the sense
 *       of w·v. The result is then not on the hyperplane; the reference returns it all the same,
 *       and so does this class.
 * </ol>
 *
 * Coordinates the hyperplane does not depend on (w_i = 0 for ℓ∞, |w_i| &lt; 1e-8 for ℓ2, the
 * reference's thresholds) never move. Differences from the reference: double instead of float32
 * arithmetic, and those frozen coordinates are left out of the breakpoint list instead of being
 * sorted in with zero weight (which gives the same λ in exact arithmetic).
 */
public final class FabProjection {

  /** ℓ2: |w_i| below this counts as 0 (the reference's threshold). */
  static final double L2_ZERO_WEIGHT = 1e-8;

  private FabProjection() {}

  /**
   * δ for {@code norm} (a new array of t's length): see the class comment. {@code t} should lie in
   * [0, 1]; w and t have the same length D ≥ 1.
   */
  public static double[] project(Norm norm, double[] t, double[] w, double b) {
    if (t.length != w.length || t.length == 0) {
      throw new IllegalArgumentException(
          "t and w must have the same length >= 1, were " + t.length + " and " + w.length);
    }
    return switch (norm) {
      case LINF -> linf(t, w, b);
      case L2 -> l2(t, w, b);
    };
  }

  /** The ℓ∞ case of {@link #project}. */
  public static double[] linf(double[] t, double[] w, double b) {
    int dim = t.length;
    double dot = 0;
    for (int i = 0; i < dim; i++) {
      dot += w[i] * t[i];
    }
    double sign = dot - b >= 0 ? 1 : -1;
    double c = sign * (dot - b); // ≥ 0: how much w·v has to drop
    double[] delta = new double[dim];
    // Free coordinates: their room p_i towards the downhill face, and |w_i|.
    int[] free = new int[dim];
    double[] room = new double[dim];
    int m = 0;
    double fullDrop = 0; // −h(∞) = Σ|w_i|·p_i: the most w·v can drop inside the box
    for (int i = 0; i < dim; i++) {
      double wi = sign * w[i];
      if (wi == 0) {
        continue;
      }
      double p = wi < 0 ? 1 - t[i] : t[i];
      free[m] = i;
      room[m] = p;
      fullDrop += Math.abs(wi) * p;
      m++;
    }
    if (m == 0 || c >= fullDrop) {
      // Infeasible (or exactly feasible at the corner): every free coordinate to its face.
      for (int k = 0; k < m; k++) {
        int i = free[k];
        delta[i] = sign * w[i] < 0 ? 1 - t[i] : -t[i];
      }
      return delta;
    }
    // Breakpoints in descending order of room.
    int[] order = sortedDescending(room, m);
    // cum[k] = Σ_{j≤k} |w|, drop[k] = −h(room_(k)) = Σ_{j≤k}|w|·room_(k) + Σ_{j>k}|w|·room_j.
    double[] cumWeight = new double[m];
    double[] cumWeightRoom = new double[m];
    double sw = 0;
    double swr = 0;
    for (int k = 0; k < m; k++) {
      int j = order[k];
      double aw = Math.abs(w[free[j]]);
      sw += aw;
      swr += aw * room[j];
      cumWeight[k] = sw;
      cumWeightRoom[k] = swr;
    }
    double lambda;
    double minRoom = room[order[m - 1]];
    if (c < sw * minRoom) {
      // Root before the smallest room: no coordinate reaches its face.
      lambda = c / sw;
    } else {
      // drop(λ) = Σ|w|·min(λ, p) = cumWeight[k]·λ + (fullDrop − cumWeightRoom[k]) on
      // [room_(k+1), room_(k)]. Find the last k with drop(room_(k)) > c (k = 0 holds: c <
      // fullDrop; k = m − 1 fails: the case above), then solve on that segment.
      int lo = 0;
      int hi = m - 1;
      int halvings = ceilLog2(m);
      for (int it = 0; it < halvings; it++) {
        int mid = (lo + hi) >>> 1;
        double dropAtMid = cumWeight[mid] * room[order[mid]] + fullDrop - cumWeightRoom[mid];
        if (dropAtMid > c) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      lambda = Math.max((c - (fullDrop - cumWeightRoom[lo])) / cumWeight[lo], 0);
    }
    for (int k = 0; k < m; k++) {
      int i = free[k];
      double step = Math.min(lambda, room[k]);
      delta[i] = sign * w[i] < 0 ? step : -step;
    }
    return delta;
  }

  /** The ℓ2 case of {@link #project}. */
  public static double[] l2(double[] t, double[] w, double b) {
    int dim = t.length;
    double dot = 0;
    for (int i = 0; i < dim; i++) {
      dot += w[i] * t[i];
    }
    double sign = dot - b >= 0 ? 1 : -1;
    double c = sign * (dot - b);
    double[] delta = new double[dim];
    int[] free = new int[dim];
    double[] hit = new double[dim]; // r_i: the λ at which coordinate i reaches its face
    int m = 0;
    double weight = 0; // Σ w_i² over the free coordinates
    double fullDrop = 0; // −h(∞) = Σ w_i²·r_i
    for (int i = 0; i < dim; i++) {
      double wi = sign * w[i];
      if (!(Math.abs(wi) >= L2_ZERO_WEIGHT)) {
        continue;
      }
      double r = wi > 0 ? t[i] / wi : (t[i] - 1) / wi;
      r = Math.max(r, 0);
      free[m] = i;
      hit[m] = r;
      weight += wi * wi;
      fullDrop += wi * wi * r;
      m++;
    }
    if (m == 0 || c >= fullDrop) {
      for (int k = 0; k < m; k++) {
        int i = free[k];
        delta[i] = sign * w[i] > 0 ? -t[i] : 1 - t[i];
      }
      return delta;
    }
    int[] order = sortedAscending(hit, m);
    // drop(λ) = Σ w²·min(λ, r). At the k-th breakpoint (ascending): drop_k = Σ_{j<k} w²·r_j +
    // r_(k)·rest_k with rest_k = Σ_{j≥k} w² (the weight still free there).
    double[] dropAt = new double[m];
    double[] restAfter = new double[m]; // Σ_{j>k} w²: the slope on [r_(k), r_(k+1)]
    double clipped = 0;
    double rest = weight;
    for (int k = 0; k < m; k++) {
      int j = order[k];
      double wj = w[free[j]];
      double w2 = wj * wj;
      dropAt[k] = clipped + hit[j] * rest;
      clipped += w2 * hit[j];
      rest -= w2;
      restAfter[k] = Math.max(rest, 0);
    }
    double lambda;
    if (c <= dropAt[0]) {
      // Root before the first face: the unconstrained projection.
      lambda = c / weight;
    } else {
      // Last k with drop_k < c (k = 0 holds; drop(∞) = fullDrop > c bounds it), then the segment.
      int lo = 0;
      int hi = m - 1;
      if (dropAt[hi] < c) {
        lo = hi;
      } else {
        int halvings = ceilLog2(m);
        for (int it = 0; it < halvings; it++) {
          int mid = (lo + hi) >>> 1;
          if (dropAt[mid] < c) {
            lo = mid;
          } else {
            hi = mid;
          }
        }
      }
      double slope = restAfter[lo];
      lambda = slope > 0 ? hit[order[lo]] + (c - dropAt[lo]) / slope : hit[order[lo]];
    }
    for (int k = 0; k < m; k++) {
      int i = free[k];
      double wi = sign * w[i];
      double move = lambda >= hit[k] ? (wi > 0 ? -t[i] : 1 - t[i]) : -lambda * wi;
      delta[i] = move;
    }
    return delta;
  }

  /** ‖δ‖ in {@code norm}. */
  public static double norm(Norm norm, double[] delta) {
    double acc = 0;
    for (double v : delta) {
      acc = norm == Norm.LINF ? Math.max(acc, Math.abs(v)) : acc + v * v;
    }
    return norm == Norm.LINF ? acc : Math.sqrt(acc);
  }

  private static int ceilLog2(int n) {
    return n <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(n - 1);
  }

  /** Indices 0..m−1 ordered by descending key (stable). */
  private static int[] sortedDescending(double[] key, int m) {
    int[] order = sortedAscending(key, m);
    for (int i = 0, j = m - 1; i < j; i++, j--) {
      int tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
    return order;
  }

  /** Indices 0..m−1 ordered by ascending key: a bottom-up merge sort on primitive indices. */
  private static int[] sortedAscending(double[] key, int m) {
    int[] a = new int[m];
    for (int i = 0; i < m; i++) {
      a[i] = i;
    }
    int[] b = new int[m];
    for (int width = 1; width < m; width *= 2) {
      for (int lo = 0; lo < m; lo += 2 * width) {
        int mid = Math.min(lo + width, m);
        int hi = Math.min(lo + 2 * width, m);
        int i = lo;
        int j = mid;
        int k = lo;
        while (i < mid && j < hi) {
          b[k++] = key[a[j]] < key[a[i]] ? a[j++] : a[i++];
        }
        while (i < mid) {
          b[k++] = a[i++];
        }
        while (j < hi) {
          b[k++] = a[j++];
        }
      }
      int[] swap = a;
      a = b;
      b = swap;
    }
    return a;
  }
}
