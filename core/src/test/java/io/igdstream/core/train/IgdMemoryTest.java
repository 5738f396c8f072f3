package io.igdstream.core.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.igdstream.core.TestData;
import io.igdstream.core.TestModels;
import io.igdstream.core.attack.Pgd;
import io.igdstream.core.attack.PgdSettings;
import io.igdstream.core.data.DatasetSplits;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.NativeMemory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The double backprop leaves a reference cycle on every .grad it writes unless it is detached
 * (docs/STACK.md, "Double backprop", item 2): 30–80 MB per step. With the fix resident memory is
 * flat. Surefire runs this class in a JVM of its own (tag "memory") with a pinned, pre-touched heap
 * and MALLOC_ARENA_MAX=2, so RSS changes here are native memory. glibc's free pages are returned
 * before each reading, as the trainers do every 100 steps ({@link NativeMemory}): what remains is
 * memory in use.
 */
@Tag("slow")
@Tag("memory")
class IgdMemoryTest {

  @Test
  void residentMemoryStaysFlatOverTwoHundredIgdSteps() throws IOException {
    DatasetSplits data = TestData.fashionMnistSmall();
    try (Classifier teacher =
            Classifier.create(Architecture.SMALL_CNN, TestModels.specOf(data.train()), 1);
        Classifier student =
            Classifier.create(Architecture.SMALL_CNN, TestModels.specOf(data.train()), 2);
        Sgd sgd =
            new Sgd(
                student.trainableParameters(),
                new SgdSettings(0.01, 0.9, 5e-4),
                student.manager());
        NDManager batch = student.manager().newSubManager()) {
      teacher.freeze();
      NDArray[] xy = TestModels.testBatch(student, data.test(), 64, batch);
      IgdStep step =
          new IgdStep(
              student,
              teacher,
              new Pgd(new PgdSettings(0.1, 0.01, 10, true)),
              new IgdSettings(1.0, GradientTarget.LOGIT, true),
              sgd);
      long at50 = 0;
      StringBuilder trace = new StringBuilder();
      for (int i = 1; i <= 200; i++) {
        step.step(xy[0], xy[1], i, 0.01);
        if (i % 25 == 0) {
          NativeMemory
              .release(); // RSS then counts memory in use, not pages glibc keeps free (bench soak)
          long rss = residentKb();
          trace.append(i).append(':').append(rss / 1024).append("MB ");
          if (i == 50) {
            at50 = rss;
          }
        }
      }
      NativeMemory.release();
      long at200 = residentKb();
      double growth = (double) (at200 - at50) / at50;
      System.out.println(
          "IGD RSS trace (batch 64): "
              + trace
              + "growth 50→200: "
              + String.format("%.2f%%", 100 * growth));
      assertTrue(growth < 0.05, "RSS grew " + 100 * growth + "% from step 50 to 200: " + trace);
    }
  }

  private static long residentKb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
