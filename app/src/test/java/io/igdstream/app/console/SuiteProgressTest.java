package io.igdstream.app.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SuiteProgressTest {

  @Test
  void everyTaskOfEveryModelCountsFromZeroToItsOwnTotal() {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    Log log = new Log(new PrintStream(printed, true, StandardCharsets.UTF_8));
    // the order RobustnessSuite reports in: clean and the attack per model, then the subset tests
    try (SuiteProgress p = new SuiteProgress("final report", List.of("teacher", "student"), log)) {
      for (String model : List.of("teacher", "student")) {
        p.update("clean", 2, 4);
        p.update("clean", 4, 4);
        p.update("pgd-20", 1, 4);
        p.update("pgd-20", 4, 4);
      }
      p.update("teacher subset tests", 3, 3);
      p.update("student subset tests", 1, 3);
      p.update("student subset tests", 3, 3);
    }
    List<String> lines =
        Arrays.stream(printed.toString(StandardCharsets.UTF_8).split("\\R"))
            .map(l -> l.replaceFirst("^\\[[0-9:]+\\] ", "").replaceFirst(", .*", ""))
            .toList();
    assertEquals(
        List.of(
            "final report: teacher clean 100% 4/4 img",
            "final report: teacher pgd-20 100% 4/4 img",
            "final report: student clean 100% 4/4 img",
            "final report: student pgd-20 100% 4/4 img",
            "final report: teacher subset tests 100% 3/3 img",
            "final report: student subset tests 100% 3/3 img"),
        lines);
  }

  @Test
  void oneModelsTasksAreNamedByTheTestAlone() {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    Log log = new Log(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try (SuiteProgress p = new SuiteProgress("", List.of("model"), log)) {
      p.update("clean", 5, 5);
      p.update("pgd-20", 2, 5);
    }
    List<String> lines =
        Arrays.stream(printed.toString(StandardCharsets.UTF_8).split("\\R"))
            .map(l -> l.replaceFirst("^\\[[0-9:]+\\] ", "").replaceFirst(", .*", ""))
            .toList();
    assertEquals(List.of("clean 100% 5/5 img", "pgd-20 40% 2/5 img"), lines);
  }
}
