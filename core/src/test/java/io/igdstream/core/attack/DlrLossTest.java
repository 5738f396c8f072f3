package io.igdstream.core.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.igdstream.core.model.Losses;
import io.igdstream.core.model.Objectives;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The DLR losses of APGD on hand-computed logits (s = the logits sorted ascending), their input
 * gradients through real autograd, and the class-count errors.
 */
class DlrLossTest {

  private static final double TOL = 1e-12;
  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  private double[] dlr(double[][] logits, long... labels) {
    return Losses.dlr(manager.create(logits), manager.create(labels)).toDoubleArray();
  }

  private double[] dlrTargeted(double[][] logits, long[] labels, long[] targets) {
    return Losses.dlrTargeted(
            manager.create(logits), manager.create(labels), manager.create(targets))
        .toDoubleArray();
  }

  @Test
  void dlrOfACorrectPointUsesTheSecondLargestLogit() {
    // z = [1, 4, 2, 3], y = 1 = argmax: s = [1, 2, 3, 4]; −(4 − s[-2] = 3)/(s[-1] − s[-3] = 4 − 2)
    assertArrayEquals(new double[] {-0.5}, dlr(new double[][] {{1, 4, 2, 3}}, 1), TOL);
  }

  @Test
  void dlrOfAMisclassifiedPointUsesTheLargestLogitAndIsPositive() {
    // y = 0: −(1 − s[-1] = 4)/2 = 1.5; y = 2: −(2 − 4)/2 = 1
    assertArrayEquals(
        new double[] {1.5, 1.0}, dlr(new double[][] {{1, 4, 2, 3}, {1, 4, 2, 3}}, 0, 2), TOL);
  }

  @Test
  void dlrIsZeroWhenTheTrueClassTiesForTheTopWhicheverIndexTheSortPutsLast() {
    // z = [3, 3, 1]: s = [1, 3, 3]; y = 0 or y = 1: z_y − max_{i≠y} z_i = 0 either way
    double[] values = dlr(new double[][] {{3, 3, 1}, {3, 3, 1}}, 0, 1);
    assertArrayEquals(new double[] {0, 0}, values, TOL);
  }

  @Test
  void dlrOnThreeClassesTheMinimum() {
    // z = [0, 1, 5], y = 2: −(5 − 1)/(5 − 0) = −0.8; y = 0: −(0 − 5)/5 = 1
    assertArrayEquals(
        new double[] {-0.8, 1.0}, dlr(new double[][] {{0, 1, 5}, {0, 1, 5}}, 2, 0), TOL);
  }

  @Test
  void dlrOfEqualLogitsIsZeroNotNaN() {
    // s[-1] − s[-3] = 0, so the denominator is 1e-12 and the numerator 0
    assertArrayEquals(new double[] {0}, dlr(new double[][] {{2, 2, 2}}, 1), TOL);
  }

  @Test
  void dlrIsInvariantToShiftAndScale() {
    double[] base = dlr(new double[][] {{0.3, -1.2, 2.5, 0.9, 1.7}}, 3);
    double[] moved =
        dlr(new double[][] {{0.3 * 7 + 5, -1.2 * 7 + 5, 2.5 * 7 + 5, 0.9 * 7 + 5, 1.7 * 7 + 5}}, 3);
    assertArrayEquals(base, moved, 1e-9);
    // −(0.9 − 2.5)/(2.5 − 0.9) = 1
    assertEquals(1.0, base[0], 1e-9);
  }

  @Test
  void dlrNeedsThreeClasses() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> dlr(new double[][] {{1, 2}}, 0));
    assertTrue(e.getMessage().contains("at least 3 classes"), e.getMessage());
  }

  @Test
  void targetedDlrDividesByTheTopMinusTheMeanOfTheThirdAndFourth() {
    // z = [1, 4, 2, 3, 0], y = 1, t = 3: s = [0, 1, 2, 3, 4];
    // −(4 − 3)/(4 − ½(s[-3] + s[-4]) = 4 − ½(2 + 1) = 2.5) = −0.4
    assertArrayEquals(
        new double[] {-0.4},
        dlrTargeted(new double[][] {{1, 4, 2, 3, 0}}, new long[] {1}, new long[] {3}),
        TOL);
  }

  @Test
  void targetedDlrOnFourClassesTheMinimum() {
    // z = [2, 0, 5, 1], y = 2, t = 0: s = [0, 1, 2, 5]; −(5 − 2)/(5 − ½(1 + 0)) = −3/4.5;
    // y = 0, t = 2 (the target already wins): −(2 − 5)/4.5 = +2/3
    assertArrayEquals(
        new double[] {-3 / 4.5, 3 / 4.5},
        dlrTargeted(
            new double[][] {{2, 0, 5, 1}, {2, 0, 5, 1}}, new long[] {2, 0}, new long[] {0, 2}),
        TOL);
  }

  @Test
  void targetedDlrWithTiesUsesTheSortedValues() {
    // z = [1, 1, 1, 1]: denominator 1 − ½(1 + 1) = 0 → 1e-12, numerator 0 → 0;
    // z = [3, 3, 0, 0], y = 0, t = 2: s = [0, 0, 3, 3]; −(3 − 0)/(3 − ½(0 + 0)) = −1
    assertArrayEquals(
        new double[] {0, -1},
        dlrTargeted(
            new double[][] {{1, 1, 1, 1}, {3, 3, 0, 0}}, new long[] {0, 0}, new long[] {1, 2}),
        TOL);
  }

  @Test
  void targetedDlrNeedsFourClasses() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> dlrTargeted(new double[][] {{1, 2, 3}}, new long[] {0}, new long[] {1}));
    assertTrue(e.getMessage().contains("at least 4 classes"), e.getMessage());
  }

  @Test
  void float32LogitsGiveFloat32Losses() {
    NDArray logits = manager.create(new float[] {1, 4, 2, 3}, new Shape(1, 4));
    NDArray y = manager.create(new long[] {1});
    NDArray u = Losses.dlr(logits, y);
    NDArray t = Losses.dlrTargeted(logits, y, manager.create(new long[] {3}));
    assertEquals(DataType.FLOAT32, u.getDataType());
    assertEquals(DataType.FLOAT32, t.getDataType());
    assertEquals(-0.5f, u.getFloat(0), 1e-7f);
    // s = [1, 2, 3, 4]: −(4 − 3)/(4 − ½(2 + 1)) = −0.4
    assertEquals(-0.4f, t.getFloat(0), 1e-7f);
  }

  @Test
  void dlrGradientFlowsThroughTheSortedLogits() {
    // z = [1, 4, 2, 3], y = 1: DLR = −(a − b)/(a − c) with a = z1, b = z3, c = z2.
    // ∂/∂a = −(b − c)/(a − c)² = −1/4; ∂/∂b = 1/(a − c) = 1/2; ∂/∂c = −(a − b)/(a − c)² = −1/4.
    AutogradToyModel identity = AutogradToyModel.identity(4);
    NDArray x = manager.create(new float[] {1, 4, 2, 3}, new Shape(1, 1, 1, 4));
    NDArray y = manager.create(new long[] {1});
    float[] g = identity.inputGradient(x, Objectives.dlr(y), false, false).toFloatArray();
    assertArrayEquals(new float[] {0, -0.25f, -0.25f, 0.5f}, g, 1e-6f);
  }

  @Test
  void targetedDlrGradientFlowsThroughTheSortedLogits() {
    // z = [1, 4, 2, 3, 0], y = 1, t = 3: f = −(z1 − z3)/D with D = s[-1] − ½(s[-3] + s[-4])
    // = z1 − ½(z2 + z0) = 2.5 and numerator 1. ∂/∂z1 = −1/D + 1/D² = −0.4 + 0.16 = −0.24;
    // ∂/∂z3 = 1/D = 0.4; ∂/∂z2 = ∂/∂z0 = (1)·(−½)/D² = −0.08; ∂/∂z4 = 0.
    AutogradToyModel identity = AutogradToyModel.identity(5);
    NDArray x = manager.create(new float[] {1, 4, 2, 3, 0}, new Shape(1, 1, 1, 5));
    NDArray y = manager.create(new long[] {1});
    NDArray t = manager.create(new long[] {3});
    float[] g =
        identity.inputGradient(x, Objectives.dlrTargeted(y, t), false, false).toFloatArray();
    assertArrayEquals(new float[] {-0.08f, -0.24f, -0.08f, 0.4f, 0}, g, 1e-6f);
  }

  @Test
  void objectivesSumThePerPointLosses() {
    NDArray logits = manager.create(new double[][] {{1, 4, 2, 3}, {1, 4, 2, 3}});
    NDArray y = manager.create(new long[] {1, 0});
    // −0.5 + 1.5
    assertEquals(1.0, Objectives.dlr(y).apply(logits).getDouble(), TOL);
    // y = 1, t = 3: s = [1, 2, 3, 4], −(4 − 3)/(4 − 1.5) = −0.4; y = 0, t = 1: −(1 − 4)/2.5 = 1.2
    NDArray t = manager.create(new long[] {3, 1});
    assertEquals(0.8, Objectives.dlrTargeted(y, t).apply(logits).getDouble(), TOL);
  }
}
