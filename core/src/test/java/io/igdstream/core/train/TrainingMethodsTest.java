package io.igdstream.core.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.igdstream.core.TestData;
import io.igdstream.core.TestModels;
import io.igdstream.core.attack.Pgd;
import io.igdstream.core.attack.PgdSettings;
import io.igdstream.core.attack.TradesPgd;
import io.igdstream.core.data.DatasetSplits;
import io.igdstream.core.model.Architecture;
import io.igdstream.core.model.Classifier;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A few dozen steps of each method on the fixture move its loss terms the right way. */
class TrainingMethodsTest {

  private static final int STEPS = 30;
  private static final PgdSettings PGD = new PgdSettings(0.1, 0.02, 5, true);
  private static DatasetSplits data;
  private static Classifier teacher;

  @BeforeAll
  static void trainTeacher() {
    data = TestData.fashionMnistSmall();
    teacher = TestModels.natSmallCnn(data.train(), 60, 3);
    teacher.freeze();
  }

  @AfterAll
  static void close() {
    teacher.close();
  }

  private static List<StepTerms> train(
      java.util.function.BiFunction<Classifier, Sgd, TrainingStep> method) {
    try (Classifier student =
            Classifier.create(Architecture.SMALL_CNN, TestModels.specOf(data.train()), 4);
        Sgd sgd =
            new Sgd(
                student.trainableParameters(),
                new SgdSettings(0.05, 0.9, 5e-4),
                student.manager())) {
      return TestModels.run(method.apply(student, sgd), student, data.train(), STEPS, 64, 4);
    }
  }

  private static double mean(
      List<StepTerms> terms, int from, int to, ToDoubleFunction<StepTerms> term) {
    return terms.subList(from, to).stream().mapToDouble(term).average().orElseThrow();
  }

  private static void assertDecreases(
      List<StepTerms> terms, ToDoubleFunction<StepTerms> term, String name) {
    double first = mean(terms, 0, 5, term);
    double last = mean(terms, STEPS - 5, STEPS, term);
    assertTrue(last < first, name + " went from " + first + " to " + last);
  }

  @Test
  void natLowersCrossEntropy() {
    List<StepTerms> terms = train(NatStep::new);
    assertDecreases(terms, StepTerms::total, "nat loss");
  }

  @Test
  void pgdatLowersAdversarialCrossEntropy() {
    List<StepTerms> terms = train((s, sgd) -> new PgdatStep(s, new Pgd(PGD), sgd));
    assertDecreases(terms, StepTerms::total, "pgdat loss");
  }

  @Test
  void igdLowersItsLossAndAlignsGradientsWithTheTeacher() {
    List<StepTerms> terms =
        train(
            (s, sgd) ->
                new IgdStep(
                    s,
                    teacher,
                    new Pgd(PGD),
                    new IgdSettings(2.0, GradientTarget.LOGIT, true),
                    sgd));
    assertDecreases(terms, StepTerms::total, "igd loss");
    assertDecreases(terms, t -> -t.cos(), "igd cosine (negated)");
    // total = ce + λ(1 − cos) with λ = 2, as the step reports it
    StepTerms t = terms.get(STEPS - 1);
    assertTrue(Math.abs(t.total() - (t.ce() + 2 * (1 - t.cos()))) < 1e-4, t.toString());
  }

  @Test
  void tradesLowersItsLoss() {
    List<StepTerms> terms =
        train((s, sgd) -> new TradesStep(s, new TradesPgd(PGD), 6.0, null, null, sgd));
    assertDecreases(terms, StepTerms::total, "trades loss");
    assertTrue(
        terms.stream().allMatch(t -> Double.isNaN(t.cos()) && t.kl() >= 0),
        "trades reports kl, not cos");
  }

  @Test
  void tradesIgdLowersItsLossAndRaisesTheCosine() {
    List<StepTerms> terms =
        train(
            (s, sgd) ->
                new TradesStep(
                    s,
                    new TradesPgd(PGD),
                    6.0,
                    teacher,
                    new IgdSettings(2.0, GradientTarget.LOGIT, true),
                    sgd));
    assertDecreases(terms, StepTerms::total, "trades-igd loss");
    assertDecreases(terms, t -> -t.cos(), "trades-igd cosine (negated)");
  }
}
