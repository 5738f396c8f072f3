package io.igdstream.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.nn.Parameter;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.ModelSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The analytic FLOP counts of {@code bench step}, against hand-computed numbers. */
class StepFlopsTest {

  @Test
  void oneConvolutionCostsTwoTimesCoutCinKkHoutWoutPerSample() {
    // 3 -> 8 channels, 3x3 kernel, 5x5 output: 2 * 8 * 3 * 3 * 3 * 5 * 5 = 10,800 FLOPs per sample.
    List<StepFlops.Layer> conv = List.of(StepFlops.Layer.conv("conv", 3, 8, 3, 5, 5));
    assertEquals(10_800, StepFlops.forward(conv, 1));
    assertEquals(21_600, StepFlops.forward(conv, 2));
  }

  @Test
  void oneLinearLayerCostsTwoTimesInTimesOutPerSample() {
    assertEquals(
        2 * 128 * 10 * 4, StepFlops.forward(List.of(StepFlops.Layer.linear("fc", 128, 10)), 4));
  }

  @Test
  void smallCnnForwardOnFashionMnistMatchesHandCount() {
    // conv1 32*1*9*28*28 = 225,792; conv2 64*32*9*14*14 = 3,612,672; fc 3136*128 = 401,408;
    // fc 128*10 = 1,280 MACs: 4,241,152 MACs = 8,482,304 FLOPs per sample.
    List<StepFlops.Layer> layers = StepFlops.smallCnn(new ModelSpec(1, 28, 28, 10));
    assertEquals(8_482_304L, StepFlops.forward(layers, 1));
    assertEquals(451_584L, StepFlops.firstLayer(layers, 1));
  }

  @Test
  void stepsFollowTheCountingRule() {
    List<StepFlops.Layer> layers = StepFlops.smallCnn(new ModelSpec(1, 28, 28, 10));
    long f = 8_482_304L;
    long f1 = 451_584L;
    List<StepFlops.Part> igd = StepFlops.igdStep(layers, 1, 10);
    assertEquals(20 * f, igd.get(0).flops()); // PGD-10: 10 x (forward + input-gradient backward)
    assertEquals(29 * f - f1, StepFlops.total(igd)); // (2K + 9) F - F1
    assertEquals(3 * f - f1, StepFlops.total(StepFlops.plainStep(layers, 1)));
    assertEquals(128 * (29 * f - f1), StepFlops.total(StepFlops.igdStep(layers, 128, 10)));
  }

  @Test
  void layerListHasTheWeightsOfTheRealSmallCnn() {
    ModelSpec spec = new ModelSpec(1, 28, 28, 10);
    long counted = StepFlops.smallCnn(spec).stream().mapToLong(StepFlops.Layer::weights).sum();
    try (Classifier model = Classifier.create(Architecture.SMALL_CNN, spec, 0)) {
      long actual =
          model.trainableParameters().values().stream()
              .filter(p -> p.getType() == Parameter.Type.WEIGHT)
              .mapToLong(p -> p.getArray().size())
              .sum();
      assertEquals(actual, counted);
    }
  }
}
