package io.igdstream.core.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.igdstream.core.TestData;
import io.igdstream.core.TestModels;
import io.igdstream.core.data.Dataset;
import io.igdstream.core.data.DatasetSplits;
import io.igdstream.core.metrics.InductiveNoiseAttack.Variant;
import io.igdstream.core.model.Classifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Prints how long the saliency metrics take for 1,000 28×28 images on a small-cnn (the 200 fixture
 * test images five times over, each copy its own sample id). Not a timed assertion. Run with {@code
 * mvn -o -pl core test -Dtest=MetricsSpeedTest -Digd.bench=true} (batch size: {@code
 * -Digd.bench.batch=250}).
 */
@Tag("slow")
@EnabledIfSystemProperty(named = "igd.bench", matches = "true")
class MetricsSpeedTest {

  private static final int IMAGES = 1000;
  private static final int BATCH = Integer.getInteger("igd.bench.batch", 250);

  @Test
  void printsTheCostOfEachMetricFor1000Images() {
    DatasetSplits splits = TestData.fashionMnistSmall();
    Dataset test = splits.test();
    int size = test.imageSize();
    try (Classifier model = TestModels.natSmallCnn(splits.train(), 60, 1)) {
      // Clean predictions: the metrics then run on the correctly classified samples only.
      List<Integer> correct = new ArrayList<>();
      for (int from = 0; from < IMAGES; from += BATCH) {
        try (NDManager m = model.manager().newSubManager()) {
          Batch b = batch(model, test, m, range(from, BATCH));
          long[] predicted = Tensors.predictions(model.logits(b.x, false));
          for (int i = 0; i < BATCH; i++) {
            if (predicted[i] == b.labels[i]) {
              correct.add(from + i);
            }
          }
        }
      }
      int n = correct.size();
      long saliencyNs = 0;
      long giniNs = 0;
      long inaNs = 0;
      long rnNs = 0;
      long[] ioaNs = new long[2];
      long forwardNs = 0;
      double pixelGini = 0;
      double regionalGini = 0;
      FractionErrors add = null;
      FractionErrors replace = null;
      FractionErrors random = null;
      int[] ioaErrors = new int[2];
      long[] ioaPasses = new long[2];
      int[] ioaCalls = new int[2];
      InductiveOcclusionAttack ioa = InductiveOcclusionAttack.forImage(test.height(), test.width());
      int block = Gini.blockFor(test.height(), test.width());
      for (int from = 0; from < n; from += BATCH) {
        int[] ids = new int[Math.min(BATCH, n - from)];
        for (int i = 0; i < ids.length; i++) {
          ids[i] = correct.get(from + i);
        }
        try (NDManager m = model.manager().newSubManager()) {
          Batch b = batch(model, test, m, ids);
          long f0 = System.nanoTime();
          for (int k = 0; k < 10; k++) {
            try (NDManager scope = m.newSubManager()) {
              NDArray copy =
                  Tensors.create(scope, Tensors.floats(b.x), b.x.getShape(), b.x.getDataType());
              Tensors.predictions(model.logits(copy, false));
            }
          }
          forwardNs += System.nanoTime() - f0;
          long t0 = System.nanoTime();
          float[] saliency = Saliency.floats(model, b.x, b.y);
          long t1 = System.nanoTime();
          for (int i = 0; i < ids.length; i++) {
            pixelGini += Gini.of(saliency, i * size, size);
            regionalGini +=
                Gini.regional(
                    saliency, i * size, test.channels(), test.height(), test.width(), block);
          }
          long t2 = System.nanoTime();
          FractionErrors a =
              InductiveNoiseAttack.errorCounts(
                  model,
                  b.x,
                  b.y,
                  saliency,
                  b.sampleIds,
                  InductiveNoiseAttack.DEFAULT_FRACTIONS,
                  Variant.ADD,
                  1);
          FractionErrors r =
              InductiveNoiseAttack.errorCounts(
                  model,
                  b.x,
                  b.y,
                  saliency,
                  b.sampleIds,
                  InductiveNoiseAttack.DEFAULT_FRACTIONS,
                  Variant.REPLACE,
                  1);
          long t3 = System.nanoTime();
          FractionErrors rn =
              RandomNoise.errorCounts(
                  model, b.x, b.y, b.sampleIds, RandomNoise.DEFAULT_FRACTIONS, 1);
          long t4 = System.nanoTime();
          add = add == null ? a : add.plus(a);
          replace = replace == null ? r : replace.plus(r);
          random = random == null ? rn : random.plus(rn);
          for (int f = 0; f < 2; f++) {
            long s = System.nanoTime();
            InductiveOcclusionAttack.Result result =
                ioa.run(model, b.x, b.y, saliency, InductiveOcclusionAttack.DEFAULT_FILLS[f]);
            ioaNs[f] += System.nanoTime() - s;
            ioaErrors[f] += result.errors();
            ioaCalls[f] += result.forwardCalls();
            ioaPasses[f] +=
                result.outcomes().stream()
                    .mapToLong(InductiveOcclusionAttack.Outcome::forwardPasses)
                    .sum();
          }
          saliencyNs += t1 - t0;
          giniNs += t2 - t1;
          inaNs += t3 - t2;
          rnNs += t4 - t3;
        }
      }
      StringBuilder out = new StringBuilder();
      out.append(
          String.format(
              Locale.ROOT,
              "metrics on %d of %d images correct (small-cnn, NAT 60 steps), batch %d%n",
              n,
              IMAGES,
              BATCH));
      out.append(
          String.format(
              Locale.ROOT,
              "  10 plain forwards   %7.2f s (reference: the cost of 10 fractions without the Java side)%n",
              forwardNs / 1e9));
      out.append(String.format(Locale.ROOT, "  saliency            %7.2f s%n", saliencyNs / 1e9));
      out.append(
          String.format(
              Locale.ROOT,
              "  gini pixel+regional %7.2f s  mean pixel %.3f regional %.3f%n",
              giniNs / 1e9,
              pixelGini / n,
              regionalGini / n));
      out.append(String.format(Locale.ROOT, "  INA 10 t x 2 var.   %7.2f s%n", inaNs / 1e9));
      out.append(String.format(Locale.ROOT, "  RN 10 t             %7.2f s%n", rnNs / 1e9));
      for (int f = 0; f < 2; f++) {
        out.append(
            String.format(
                Locale.ROOT,
                "  IOA fill %.1f        %7.2f s  errors %d/%d, forward calls %d, mean passes/sample %.1f%n",
                InductiveOcclusionAttack.DEFAULT_FILLS[f],
                ioaNs[f] / 1e9,
                ioaErrors[f],
                n,
                ioaCalls[f],
                ioaPasses[f] / (double) n));
      }
      out.append("  INA add     errors ")
          .append(java.util.Arrays.toString(add.errors()))
          .append('\n');
      out.append("  INA replace errors ")
          .append(java.util.Arrays.toString(replace.errors()))
          .append('\n');
      out.append("  RN          errors ")
          .append(java.util.Arrays.toString(random.errors()))
          .append('\n');
      System.out.print(out);
      assertTrue(n > IMAGES / 2, "the fixture model should get most images right");
    }
  }

  private record Batch(NDArray x, NDArray y, long[] labels, long[] sampleIds) {}

  private static int[] range(int from, int count) {
    int[] r = new int[count];
    for (int i = 0; i < count; i++) {
      r[i] = from + i;
    }
    return r;
  }

  /** Sample id k is test image k mod 200. */
  private static Batch batch(Classifier model, Dataset test, NDManager m, int[] ids) {
    int size = test.imageSize();
    float[] pixels = new float[ids.length * size];
    long[] labels = new long[ids.length];
    long[] sampleIds = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      int k = ids[i] % test.size();
      test.copyImage(k, pixels, i * size);
      labels[i] = test.labels()[k];
      sampleIds[i] = ids[i];
    }
    return new Batch(model.images(m, pixels, ids.length), m.create(labels), labels, sampleIds);
  }
}
