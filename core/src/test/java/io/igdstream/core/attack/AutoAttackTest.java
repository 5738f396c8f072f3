package io.igdstream.core.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.igdstream.core.model.GradientModel;
import io.igdstream.core.model.Objective;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ensemble driver on a model whose decision is known by hand: two classes, class 0 iff the mean
 * pixel is below 0.5; each image is one constant value, so a member that adds +d to every pixel
 * breaks exactly the images above 0.5 − d.
 */
class AutoAttackTest {

  // clean values: indices 3 and 6 are clean errors (≥ 0.5); the rest are class 0 (correct)
  private static final float[] VALUES = {0.10f, 0.42f, 0.47f, 0.55f, 0.30f, 0.49f, 0.70f, 0.45f};
  private NDManager manager;
  private NDArray x;
  private NDArray y;

  @BeforeEach
  void images() {
    manager = NDManager.newBaseManager();
    float[] pixels = new float[VALUES.length * 4];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = VALUES[i / 4];
    }
    x = manager.create(pixels, new Shape(VALUES.length, 1, 2, 2));
    y = manager.zeros(new Shape(VALUES.length), ai.djl.ndarray.types.DataType.INT64);
  }

  @AfterEach
  void close() {
    manager.close();
  }

  @Test
  void eachMemberSeesOnlyThePointsStillRobustAndTheResultIsThePointwiseWorstCase() {
    Shift first = new Shift(0.06f); // breaks 0.45, 0.47, 0.49 (> 0.44)
    Shift second = new Shift(0.09f); // then breaks 0.42 (> 0.41)
    AutoAttack ensemble = ensemble(0.1, first, second);

    AutoAttackResult result = ensemble.run(new HalfThreshold(), x, y, 5, AutoAttack.Progress.NONE);

    assertEquals(6.0 / 8, result.cleanAccuracy(), 1e-12);
    assertEquals(List.of(0.10f, 0.42f, 0.47f, 0.30f, 0.49f, 0.45f), first.seen);
    assertEquals(List.of(0.10f, 0.42f, 0.30f), second.seen);
    assertArrayEquals(
        new boolean[] {true, false, false, false, true, false, false, false}, result.robust());
    assertEquals(2.0 / 8, result.robustAccuracy(), 1e-12);
    assertEquals(3, result.attacks().get(0).broken());
    assertEquals(3.0 / 8, result.attacks().get(0).robustAccuracyAfter(), 1e-12);
    assertEquals(3, result.attacks().get(1).attacked());
    assertEquals(1, result.attacks().get(1).broken());
  }

  @Test
  void ensembleAccuracyIsAtMostEveryMembersAlone() {
    Shift a = new Shift(0.06f);
    Shift b = new Shift(0.02f);
    double together =
        ensemble(0.1, a, b)
            .run(new HalfThreshold(), x, y, 1, AutoAttack.Progress.NONE)
            .robustAccuracy();
    for (Shift alone : List.of(new Shift(0.06f), new Shift(0.02f))) {
      double own =
          ensemble(0.1, alone)
              .run(new HalfThreshold(), x, y, 1, AutoAttack.Progress.NONE)
              .robustAccuracy();
      assertTrue(together <= own, together + " > " + own);
    }
  }

  @Test
  void batchesDoNotChangeTheResult() {
    boolean[] whole =
        new AutoAttack(
                "t",
                Norm.LINF,
                0.1,
                List.of(new AutoAttack.Member("s", new Shift(0.07f))),
                List.of(),
                100)
            .run(new HalfThreshold(), x, y, 1, AutoAttack.Progress.NONE)
            .robust();
    boolean[] inThrees =
        new AutoAttack(
                "t",
                Norm.LINF,
                0.1,
                List.of(new AutoAttack.Member("s", new Shift(0.07f))),
                List.of(),
                3)
            .run(new HalfThreshold(), x, y, 1, AutoAttack.Progress.NONE)
            .robust();
    assertArrayEquals(whole, inThrees);
  }

  @Test
  void aPerturbationOutsideTheBallIsAnErrorNotASuccess() {
    AutoAttack ensemble = ensemble(0.05, new Shift(0.06f));
    PerturbationCheck.InvalidPerturbationException e =
        assertThrows(
            PerturbationCheck.InvalidPerturbationException.class,
            () -> ensemble.run(new HalfThreshold(), x, y, 1, AutoAttack.Progress.NONE));
    assertTrue(e.getMessage().contains("above eps"), e.getMessage());
  }

  @Test
  void membersAfterEveryPointIsBrokenDoNotRun() {
    Shift all = new Shift(0.45f);
    Shift never = new Shift(0.0f);
    AutoAttackResult result =
        ensemble(0.5, all, never).run(new HalfThreshold(), x, y, 1, AutoAttack.Progress.NONE);
    assertEquals(0.0, result.robustAccuracy());
    assertEquals(1, result.attacks().size());
    assertTrue(never.seen.isEmpty());
  }

  @Test
  void progressCountsUpToEachMembersPoints() {
    List<String> updates = new ArrayList<>();
    new AutoAttack(
            "t",
            Norm.LINF,
            0.1,
            List.of(new AutoAttack.Member("s", new Shift(0.06f))),
            List.of(),
            4)
        .run(new HalfThreshold(), x, y, 1, (m, done, total) -> updates.add(done + "/" + total));
    assertEquals(List.of("0/6", "4/6", "6/6"), updates);
  }

  private static AutoAttack ensemble(double eps, Shift... members) {
    List<AutoAttack.Member> list = new ArrayList<>();
    for (int i = 0; i < members.length; i++) {
      list.add(new AutoAttack.Member("m" + i, members[i]));
    }
    return new AutoAttack("test", Norm.LINF, eps, list, List.of(), 250);
  }

  /** Adds d to every pixel (then clips to [0, 1]) and records the first pixel of each row. */
  private static final class Shift implements Attack {
    final float d;
    final List<Float> seen = new ArrayList<>();

    Shift(float d) {
      this.d = d;
    }

    @Override
    public NDArray perturb(GradientModel model, NDArray x, NDArray labels, long seed) {
      float[] v = x.toFloatArray();
      int per = v.length / (int) x.getShape().get(0);
      for (int i = 0; i < v.length; i += per) {
        seen.add(v[i]);
      }
      return x.add(d).clip(0, 1);
    }

    @Override
    public String name() {
      return "shift";
    }
  }

  /** z₀ = 0.5 − mean(x), z₁ = 0: class 0 iff the mean pixel is below 0.5. */
  private static final class HalfThreshold implements GradientModel {
    @Override
    public NDArray logits(NDArray x, boolean training) {
      NDArray mean = x.reshape(x.getShape().get(0), -1).mean(new int[] {1});
      NDArray z0 = mean.neg().add(0.5f);
      return NDArrays.stack(new NDList(z0, z0.zerosLike()), 1);
    }

    @Override
    public NDArray inputGradient(
        NDArray x, Objective objective, boolean training, boolean createGraph) {
      throw new UnsupportedOperationException("the driver never takes gradients itself");
    }

    @Override
    public int classes() {
      return 2;
    }
  }
}
