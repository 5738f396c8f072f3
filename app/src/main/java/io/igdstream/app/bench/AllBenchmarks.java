package io.igdstream.app.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code igd bench all}: every benchmark in turn with its defaults, each printing its table (and
 * JSON under --out).
 */
@Command(
    name = "all",
    mixinStandardHelpOptions = true,
    header = "Every benchmark in turn, with its defaults.",
    description = "Run every benchmark: step, corruptions, offload, kafka-path, augment, soak.")
final class AllBenchmarks implements Callable<Integer> {

  @Mixin BenchOutputOption output;

  @Override
  public Integer call() {
    Map<String, Supplier<Object>> benchmarks = new LinkedHashMap<>();
    benchmarks.put("step", StepBenchmark::new);
    benchmarks.put("corruptions", CorruptionBenchmark::new);
    benchmarks.put("offload", OffloadBenchmark::new);
    benchmarks.put("kafka-path", KafkaPathBenchmark::new);
    benchmarks.put("augment", AugmentBenchmark::new);
    benchmarks.put("soak", SoakBenchmark::new); // 5000 IGD steps: the longest, last
    String[] args =
        output.dir == null ? new String[0] : new String[] {"--out", output.dir.toString()};
    int worst = 0;
    for (Map.Entry<String, Supplier<Object>> b : benchmarks.entrySet()) {
      System.out.println("== bench " + b.getKey() + " ==");
      worst = Math.max(worst, new CommandLine(b.getValue().get()).execute(args));
    }
    return worst;
  }
}
