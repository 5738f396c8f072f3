package io.igdstream.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import io.igdstream.core.io.TensorData;
import io.igdstream.core.model.Autograd;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sgd against hand-computed PyTorch SGD updates on a real DJL {@link Linear} block (1 unit, 2
 * inputs: weight (1, 2), bias (1)). The gradient is set exactly through the loss L = Σ w·c_w +
 * b·c_b, whose gradient is (c_w, c_b) whatever the weights are.
 */
class SgdTest {

  private static final double TOL = 1e-12;
  private static final double[] W0 = {1.0, -2.0};
  private static final double B0 = 0.5;
  private static final double[] CW = {0.5, 1.0};
  private static final double CB = 2.0;

  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  /** fc.weight and fc.bias of a fresh Linear(2 → 1) holding w and b. */
  private Map<String, Parameter> linear(DataType type, double[] w, double b) {
    Linear block = Linear.builder().setUnits(1).build();
    block.initialize(manager, type, new Shape(1, 2));
    Map<String, Parameter> params = new LinkedHashMap<>();
    params.put("fc.weight", block.getParameters().get("weight"));
    params.put("fc.bias", block.getParameters().get("bias"));
    setValues(params, w, b);
    return params;
  }

  private static void setValues(Map<String, Parameter> params, double[] w, double b) {
    Autograd.noGrad(
        () -> {
          set(params.get("fc.weight").getArray(), w);
          set(params.get("fc.bias").getArray(), new double[] {b});
        });
  }

  private static void set(NDArray array, double[] values) {
    if (array.getDataType() == DataType.FLOAT32) {
      float[] f = new float[values.length];
      for (int i = 0; i < f.length; i++) {
        f[i] = (float) values[i];
      }
      array.set(FloatBuffer.wrap(f));
    } else {
      array.set(DoubleBuffer.wrap(values));
    }
  }

  /** Backward of L = Σ w·cw + b·cb: leaves grad(w) = cw, grad(b) = cb. */
  private void backward(Map<String, Parameter> params, double[] cw, double cb) {
    NDArray w = params.get("fc.weight").getArray();
    NDArray b = params.get("fc.bias").getArray();
    try (GradientCollector collector = Engine.getInstance().newGradientCollector();
        NDManager scope = manager.newSubManager()) {
      NDArray cwArray = scope.create(cw, new Shape(1, 2)).toType(w.getDataType(), false);
      NDArray cbArray = scope.create(new double[] {cb}).toType(b.getDataType(), false);
      NDArray loss = cwArray.mul(w).sum().add(cbArray.mul(b).sum());
      collector.backward(loss);
    }
  }

  private static double[] weight(Map<String, Parameter> params) {
    return values(params.get("fc.weight").getArray());
  }

  private static double bias(Map<String, Parameter> params) {
    return values(params.get("fc.bias").getArray())[0];
  }

  private static double[] values(NDArray a) {
    return a.toType(DataType.FLOAT64, true).toDoubleArray();
  }

  @Test
  void twoStepsWithMomentumAndWeightDecayMatchPyTorchByHand() {
    Map<String, Parameter> params = linear(DataType.FLOAT64, W0, B0);
    try (Sgd sgd = new Sgd(params, new SgdSettings(0.1, 0.9, 0.01), manager)) {
      backward(params, CW, CB);
      sgd.step(0.1);
      // step 1 (b = d): weight d = [0.5 + 0.01·1, 1 + 0.01·(−2)] = [0.51, 0.98];
      //   w = [1 − 0.051, −2 − 0.098] = [0.949, −2.098]
      // bias d = 2 + 0.01·0.5 = 2.005; b = 0.5 − 0.2005 = 0.2995
      assertArrayEquals(new double[] {0.949, -2.098}, weight(params), TOL);
      assertEquals(0.2995, bias(params), TOL);

      backward(params, CW, CB);
      sgd.step(0.05);
      // step 2 (lr 0.05): weight d = [0.5 + 0.00949, 1 − 0.02098] = [0.50949, 0.97902];
      //   buf = 0.9·[0.51, 0.98] + d = [0.96849, 1.86102];
      //   w = [0.949 − 0.0484245, −2.098 − 0.093051] = [0.9005755, −2.191051]
      // bias d = 2 + 0.002995 = 2.002995; buf = 0.9·2.005 + d = 3.807495;
      //   b = 0.2995 − 0.19037475 = 0.10912525
      assertArrayEquals(new double[] {0.9005755, -2.191051}, weight(params), TOL);
      assertEquals(0.10912525, bias(params), TOL);
    }
  }

  @Test
  void withoutMomentumOrWeightDecayEachStepIsMinusLearningRateTimesGradient() {
    Map<String, Parameter> params = linear(DataType.FLOAT64, W0, B0);
    try (Sgd sgd = new Sgd(params, new SgdSettings(0.1, 0, 0), manager)) {
      for (int i = 0; i < 2; i++) {
        backward(params, CW, CB);
        sgd.step(0.1);
      }
      // no buffer: w2 = w0 − 2·0.1·c = [1 − 0.1, −2 − 0.2] = [0.9, −2.2]; b2 = 0.5 − 0.4 = 0.1
      assertArrayEquals(new double[] {0.9, -2.2}, weight(params), TOL);
      assertEquals(0.1, bias(params), TOL);
      assertTrue(sgd.state().isEmpty(), "momentum 0 keeps no buffers");
    }
  }

  @Test
  void stepZeroesEveryGradient() {
    Map<String, Parameter> params = linear(DataType.FLOAT64, W0, B0);
    try (Sgd sgd = new Sgd(params, new SgdSettings(0.1, 0.9, 0.01), manager)) {
      backward(params, CW, CB);
      assertArrayEquals(CW, values(params.get("fc.weight").getArray().getGradient()), TOL);
      sgd.step(0.1);
      for (var e : params.entrySet()) {
        double[] g = values(e.getValue().getArray().getGradient());
        assertArrayEquals(new double[g.length], g, 0.0, e.getKey() + " gradient after step");
      }
    }
  }

  @Test
  void zeroedGradientMeansTheNextBackwardDoesNotAccumulateTheOldOne() {
    Map<String, Parameter> params = linear(DataType.FLOAT64, W0, B0);
    try (Sgd sgd = new Sgd(params, new SgdSettings(0.1, 0, 0), manager)) {
      backward(params, CW, CB);
      sgd.step(0.1);
      backward(params, new double[] {3, -1}, 0);
      // without zeroing, grad would be [3.5, 0]; zeroed it is exactly the new c = [3, −1]
      assertArrayEquals(
          new double[] {3, -1}, values(params.get("fc.weight").getArray().getGradient()), TOL);
    }
  }

  @Test
  void float32ParametersStayFloat32() {
    Map<String, Parameter> params = linear(DataType.FLOAT32, W0, B0);
    try (Sgd sgd = new Sgd(params, new SgdSettings(0.1, 0.9, 0.01), manager)) {
      backward(params, CW, CB);
      sgd.step(0.1);
      assertEquals(DataType.FLOAT32, params.get("fc.weight").getArray().getDataType());
      assertEquals(DataType.FLOAT32, params.get("fc.bias").getArray().getDataType());
      assertEquals("F32", sgd.state().get("fc.weight").dtype());
      // same as the float64 first step: [0.949, −2.098], 0.2995
      assertArrayEquals(new double[] {0.949, -2.098}, weight(params), 1e-6);
      assertEquals(0.2995, bias(params), 1e-6);
    }
  }

  @Test
  void stateHoldsTheMomentumBuffersByNameAfterTheFirstStep() {
    Map<String, Parameter> params = linear(DataType.FLOAT64, W0, B0);
    try (Sgd sgd = new Sgd(params, new SgdSettings(0.1, 0.9, 0.01), manager)) {
      assertTrue(sgd.state().isEmpty());
      backward(params, CW, CB);
      sgd.step(0.1);
      Map<String, TensorData> state = sgd.state();
      assertEquals(List.of("fc.weight", "fc.bias"), List.copyOf(state.keySet()));
      assertEquals(sgd.parameterNames(), List.copyOf(state.keySet()));
      // first step: buffer = d = [0.51, 0.98] and 2.005 (see the two-step test)
      assertArrayEquals(new long[] {1, 2}, state.get("fc.weight").shape());
      assertArrayEquals(new double[] {0.51, 0.98}, state.get("fc.weight").toDoubles(), TOL);
      assertArrayEquals(new double[] {2.005}, state.get("fc.bias").toDoubles(), TOL);
    }
  }

  @Test
  void restoredStateContinuesExactlyLikeTheUninterruptedOptimizer() {
    SgdSettings settings = new SgdSettings(0.1, 0.9, 0.01);
    Map<String, Parameter> a = linear(DataType.FLOAT64, W0, B0);
    try (Sgd original = new Sgd(a, settings, manager)) {
      backward(a, CW, CB);
      original.step(0.1);
      Map<String, TensorData> saved = original.state();

      // b: a second model holding a's weights after step 1, and a restored optimizer
      Map<String, Parameter> b = linear(DataType.FLOAT64, weight(a), bias(a));
      Map<String, Parameter> fresh = linear(DataType.FLOAT64, weight(a), bias(a));
      try (Sgd restored = new Sgd(b, settings, manager);
          Sgd unrestored = new Sgd(fresh, settings, manager)) {
        restored.loadState(saved);
        for (var p : List.of(a, b, fresh)) {
          backward(p, CW, CB);
        }
        original.step(0.05);
        restored.step(0.05);
        unrestored.step(0.05);
        assertArrayEquals(weight(a), weight(b), 0.0);
        assertEquals(bias(a), bias(b), 0.0);
        assertArrayEquals(saved.keySet().toArray(), restored.state().keySet().toArray());
        assertArrayEquals(
            original.state().get("fc.weight").toDoubles(),
            restored.state().get("fc.weight").toDoubles(),
            0.0);
        // without the buffers the second step is a first step (buf = d): different weights
        assertFalse(weight(a)[0] == weight(fresh)[0], "momentum buffers must matter");
      }
    }
  }

  @Test
  void loadStateWithAnUnknownParameterThrowsNamingIt() {
    Map<String, Parameter> params = linear(DataType.FLOAT64, W0, B0);
    try (Sgd sgd = new Sgd(params, new SgdSettings(0.1, 0.9, 0), manager)) {
      Map<String, TensorData> state =
          Map.of("fc.nope", TensorData.ofDoubles(new long[] {1, 2}, new double[] {1, 2}));
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> sgd.loadState(state));
      assertTrue(e.getMessage().contains("'fc.nope'"), e.getMessage());
    }
  }

  @Test
  void loadStateWithAWrongShapeThrowsNamingTheParameter() {
    Map<String, Parameter> params = linear(DataType.FLOAT64, W0, B0);
    try (Sgd sgd = new Sgd(params, new SgdSettings(0.1, 0.9, 0), manager)) {
      Map<String, TensorData> state =
          Map.of("fc.weight", TensorData.ofDoubles(new long[] {2}, new double[] {1, 2}));
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> sgd.loadState(state));
      assertTrue(e.getMessage().contains("'fc.weight'"), e.getMessage());
    }
  }

  @Test
  void settingsRejectZeroLearningRate() {
    var e = assertThrows(IllegalArgumentException.class, () -> new SgdSettings(0, 0.9, 0));
    assertTrue(e.getMessage().contains("learning-rate"), e.getMessage());
  }

  @Test
  void settingsRejectNaNLearningRate() {
    var e = assertThrows(IllegalArgumentException.class, () -> new SgdSettings(Double.NaN, 0.9, 0));
    assertTrue(e.getMessage().contains("learning-rate"), e.getMessage());
  }

  @Test
  void settingsRejectNegativeMomentum() {
    var e = assertThrows(IllegalArgumentException.class, () -> new SgdSettings(0.1, -0.1, 0));
    assertTrue(e.getMessage().contains("momentum"), e.getMessage());
  }

  @Test
  void settingsRejectMomentumOfOne() {
    var e = assertThrows(IllegalArgumentException.class, () -> new SgdSettings(0.1, 1.0, 0));
    assertTrue(e.getMessage().contains("momentum"), e.getMessage());
  }

  @Test
  void settingsRejectNegativeWeightDecay() {
    var e = assertThrows(IllegalArgumentException.class, () -> new SgdSettings(0.1, 0.9, -1e-4));
    assertTrue(e.getMessage().contains("weight-decay"), e.getMessage());
  }
}
