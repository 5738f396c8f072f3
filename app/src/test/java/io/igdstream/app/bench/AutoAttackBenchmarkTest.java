package io.igdstream.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.igdstream.app.cli.BadInputException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AutoAttackBenchmarkTest {

  @Test
  void tinyRunWritesEveryFigureWithPositiveRates(@TempDir Path out) throws Exception {
    int batch = 4;
    int iterations = 2;
    int code =
        new CommandLine(new AutoAttackBenchmark())
            .execute(
                "--rounds",
                "2",
                "--batch",
                String.valueOf(batch),
                "--iterations",
                String.valueOf(iterations),
                "--queries",
                "3",
                "--warmup",
                "0",
                "--out",
                out.toString());
    assertEquals(0, code);
    JsonNode json = new ObjectMapper().readTree(out.resolve("bench-autoattack.json").toFile());
    assertTrue(json.get("machine").get("threads").asInt() >= 1);
    // PGD-20 computes one input gradient per image per step: 2 rounds x 4 attacks x batch x 20.
    assertEquals(2L * 4 * batch * 20, json.get("pgd_gradient_rows").asLong());
    JsonNode attacks = json.get("attacks");
    for (String gradientAttack : List.of("apgd-ce", "apgd-t", "fab-t")) {
      JsonNode a = attacks.get(gradientAttack);
      assertTrue(a.get("image_iterations_per_s").asDouble() > 0, gradientAttack);
      assertTrue(a.get("pgd_image_iterations_per_s").asDouble() > 0, gradientAttack);
      assertTrue(a.get("cost_per_iteration_over_pgd").asDouble() > 0, gradientAttack);
      // At least one gradient per image and iteration, over the two rounds.
      assertTrue(
          a.get("gradient_rows").asLong() >= 2L * batch * iterations,
          gradientAttack + " gradient rows " + a.get("gradient_rows"));
    }
    assertTrue(attacks.get("apgd-ce").has("goal_max"));
    JsonNode square = attacks.get("square");
    assertTrue(square.get("image_queries_per_s").asDouble() > 0);
    assertTrue(square.get("queries_per_s_over_pgd_iterations_per_s").asDouble() > 0);
    // Square never takes a gradient, and queries at most every image once per query (plus the
    // clean and initial passes) in each of the two rounds.
    assertEquals(0, square.get("gradient_rows").asLong());
    long rows = square.get("forward_rows").asLong();
    assertTrue(rows >= 2L * batch && rows <= 2L * batch * (3 + 3), "square rows " + rows);
    assertTrue(square.get("mean_rows_per_query_call").asDouble() <= batch);
  }

  @Test
  void fullModeWithoutAModelIsAOneLineError() {
    AutoAttackBenchmark bench = new AutoAttackBenchmark();
    new CommandLine(bench).parseArgs("--full", "1000");
    BadInputException e = assertThrows(BadInputException.class, bench::call);
    assertTrue(e.getMessage().contains("--model"), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"), e.getMessage());
  }
}
