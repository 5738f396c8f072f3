package io.igdstream.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Losses and Objectives on hand-computed float64 cases, and their float32 path. */
class LossesTest {

  private static final double TOL = 1e-12;
  private static final double LN3 = Math.log(3);

  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  private NDArray rows(double[][] values) {
    return manager.create(values);
  }

  private NDArray labels(long... values) {
    return manager.create(values);
  }

  private static double[] values(NDArray a) {
    return a.toType(DataType.FLOAT64, true).toDoubleArray();
  }

  /** Logits [[0, ln 3], [2, 5]]: softmax of row 0 is [1/4, 3/4]. */
  private NDArray twoRows(DataType type) {
    return rows(new double[][] {{0, LN3}, {2, 5}}).toType(type, false);
  }

  @Test
  void crossEntropyIsMinusLogSoftmaxOfTheTrueClass() {
    // row 0, label 1: −ln(3/4) = ln(4/3); row 1, label 0: −ln(e²/(e² + e⁵)) = ln(1 + e³)
    double[] ce = values(Losses.crossEntropy(twoRows(DataType.FLOAT64), labels(1, 0)));
    assertArrayEquals(new double[] {Math.log(4.0 / 3), Math.log1p(Math.exp(3))}, ce, TOL);
  }

  @Test
  void crossEntropyOfTheOtherClass() {
    // row 0, label 0: −ln(1/4) = ln 4
    double[] ce = values(Losses.crossEntropy(rows(new double[][] {{0, LN3}}), labels(0)));
    assertArrayEquals(new double[] {Math.log(4)}, ce, TOL);
  }

  @Test
  void crossEntropyIsStableForLargeLogits() {
    // −log softmax([1000, 0])_1 = log(e¹⁰⁰⁰ + 1) − 0 = 1000 + log(1 + e⁻¹⁰⁰⁰) = 1000 in float64
    double[] ce = values(Losses.crossEntropy(rows(new double[][] {{1000, 0}}), labels(1)));
    assertArrayEquals(new double[] {1000}, ce, 1e-9);
  }

  @Test
  void trueClassLogitPicksTheLabelledEntry() {
    double[] z = values(Losses.trueClassLogit(twoRows(DataType.FLOAT64), labels(1, 0)));
    assertArrayEquals(new double[] {LN3, 2}, z, TOL);
  }

  @Test
  void oneHotHasTheLogitsTypeAndShape() {
    NDArray logits = twoRows(DataType.FLOAT32);
    NDArray oneHot = Losses.oneHot(labels(1, 0), logits);
    assertEquals(DataType.FLOAT32, oneHot.getDataType());
    assertEquals(new Shape(2, 2), oneHot.getShape());
    assertArrayEquals(new double[] {0, 1, 1, 0}, values(oneHot), 0.0);
  }

  @Test
  void klDivergenceIsSumOfPTimesLogPOverSoftmax() {
    // softmax([0, ln 3]) = [1/4, 3/4]; p = [1/2, 1/2]:
    // ½ ln(½ / ¼) + ½ ln(½ / ¾) = ½ ln 2 + ½ ln(2/3) = ½ ln(4/3)
    NDArray p = rows(new double[][] {{0.5, 0.5}});
    double[] kl = values(Losses.klDivergence(rows(new double[][] {{0, LN3}}), p));
    assertArrayEquals(new double[] {0.5 * Math.log(4.0 / 3)}, kl, TOL);
  }

  @Test
  void klDivergenceCountsAZeroProbabilityAsZero() {
    // p = [0, 1]: 0·(…) + 1·ln(1 / ¾) = ln(4/3); not NaN from 0·log 0
    NDArray p = rows(new double[][] {{0, 1}});
    double[] kl = values(Losses.klDivergence(rows(new double[][] {{0, LN3}}), p));
    assertFalse(Double.isNaN(kl[0]));
    assertArrayEquals(new double[] {Math.log(4.0 / 3)}, kl, TOL);
  }

  @Test
  void klDivergenceOfTheModelsOwnPredictionIsZero() {
    NDArray logits = twoRows(DataType.FLOAT64);
    double[] kl = values(Losses.klDivergence(logits, logits.softmax(1)));
    assertArrayEquals(new double[] {0, 0}, kl, TOL);
  }

  @Test
  void cosineSimilarityOfParallelOppositeOrthogonalAndZeroRows() {
    // rows flattened from (4, 1, 1, 2):
    // [1, 2]·[2, 4] = 10 / (√5·√20 = 10) = 1; [1, 0]·[−3, 0] = −3/3 = −1;
    // [1, 0]·[0, 5] = 0; [0, 0]·[1, 1]: 0 / (1e-12·√2) = 0, not NaN
    NDArray a = manager.create(new double[] {1, 2, 1, 0, 1, 0, 0, 0}, new Shape(4, 1, 1, 2));
    NDArray b = manager.create(new double[] {2, 4, -3, 0, 0, 5, 1, 1}, new Shape(4, 1, 1, 2));
    assertArrayEquals(new double[] {1, -1, 0, 0}, values(Losses.cosineSimilarity(a, b)), TOL);
  }

  @Test
  void cosineSimilarityOfTwoZeroRowsIsZero() {
    NDArray zero = manager.zeros(new Shape(1, 3), DataType.FLOAT64);
    assertArrayEquals(new double[] {0}, values(Losses.cosineSimilarity(zero, zero)), 0.0);
  }

  @Test
  void cosineSimilarityOfAGeneralPair() {
    // [3, 4]·[4, 3] = 24 / (5·5) = 0.96; shape (N, C, H, W) = (1, 2, 1, 1) flattens over C·H·W
    NDArray a = manager.create(new double[] {3, 4}, new Shape(1, 2, 1, 1));
    NDArray b = manager.create(new double[] {4, 3}, new Shape(1, 2, 1, 1));
    assertArrayEquals(new double[] {0.96}, values(Losses.cosineSimilarity(a, b)), TOL);
  }

  @Test
  void cosineSimilarityIgnoresScale() {
    // cos(a, 1e-6·a) = 1 for a = [1, −2, 2] (norm 3): the clamp at 1e-12 is far below 3e-6
    NDArray a = manager.create(new double[] {1, -2, 2}, new Shape(1, 3));
    assertArrayEquals(new double[] {1}, values(Losses.cosineSimilarity(a, a.mul(1e-6))), TOL);
  }

  @Test
  void objectivesReturnTheBatchSums() {
    NDArray logits = twoRows(DataType.FLOAT64);
    NDArray y = labels(1, 0);
    NDArray z = Objectives.trueClassLogit(y).apply(logits);
    NDArray ce = Objectives.crossEntropy(y).apply(logits);
    assertEquals(1, z.size());
    assertEquals(1, ce.size());
    // ln 3 + 2; ln(4/3) + ln(1 + e³)
    assertEquals(LN3 + 2, values(z)[0], TOL);
    assertEquals(Math.log(4.0 / 3) + Math.log1p(Math.exp(3)), values(ce)[0], TOL);
  }

  @Test
  void klObjectiveReturnsTheBatchSum() {
    // rows [0, ln 3] twice with p = [½, ½] and [0, 1]: ½ ln(4/3) + ln(4/3)
    NDArray logits = rows(new double[][] {{0, LN3}, {0, LN3}});
    NDArray p = rows(new double[][] {{0.5, 0.5}, {0, 1}});
    NDArray kl = Objectives.klDivergence(p).apply(logits);
    assertEquals(1.5 * Math.log(4.0 / 3), values(kl)[0], TOL);
  }

  @Test
  void float32InputGivesFloat32Outputs() {
    NDArray logits = twoRows(DataType.FLOAT32);
    NDArray y = labels(1, 0);
    NDArray p = rows(new double[][] {{0, 1}, {0.5, 0.5}}).toType(DataType.FLOAT32, false);
    NDArray a = manager.create(new float[] {1, 2, 0, 0}, new Shape(2, 1, 1, 2));
    NDArray b = manager.create(new float[] {2, 4, 1, 1}, new Shape(2, 1, 1, 2));

    NDArray[] outputs = {
      Losses.crossEntropy(logits, y),
      Losses.trueClassLogit(logits, y),
      Losses.klDivergence(logits, p),
      Losses.cosineSimilarity(a, b),
      Objectives.crossEntropy(y).apply(logits),
      Objectives.trueClassLogit(y).apply(logits),
      Objectives.klDivergence(p).apply(logits),
    };
    for (NDArray out : outputs) {
      assertEquals(DataType.FLOAT32, out.getDataType(), "output " + out.getShape());
    }
    // and the same values as float64, to float precision
    assertArrayEquals(
        new double[] {Math.log(4.0 / 3), Math.log1p(Math.exp(3))}, values(outputs[0]), 1e-6);
    assertArrayEquals(new double[] {LN3, 2}, values(outputs[1]), 1e-6);
    // row 0: p = [0, 1] vs [¼, ¾]: ln(4/3); row 1: softmax([2, 5]) = [1, e³]/(1 + e³),
    // KL([½, ½] ‖ ·) = ½ ln(½(1 + e³)) + ½ ln(½(1 + e³)/e³) = ln((1 + e³)/2) − 3/2
    double e3 = Math.exp(3);
    assertArrayEquals(
        new double[] {Math.log(4.0 / 3), Math.log((1 + e3) / 2) - 1.5}, values(outputs[2]), 1e-6);
    assertArrayEquals(new double[] {1, 0}, values(outputs[3]), 1e-6);
  }

  @Test
  void float32CosineOfZeroRowsStaysFloat32AndZero() {
    NDArray zero = manager.zeros(new Shape(2, 4), DataType.FLOAT32);
    NDArray cos = Losses.cosineSimilarity(zero, zero);
    assertEquals(DataType.FLOAT32, cos.getDataType());
    assertArrayEquals(new float[] {0, 0}, cos.toFloatArray(), 0f);
  }
}
