package io.igdstream.app;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code igd bench all}: every benchmark in turn with its defaults, each printing its table (and
 * JSON under --out).
 */
@Command(
    name = "all",
    mixinStandardHelpOptions = true,
    description = "Run every benchmark: step, corruptions, offload, kafka-path, augment, soak.")
final class AllBenchmarks implements Callable<Integer> {

  @Option(names = "--out", description = "Directory for the benchmarks' JSON files.")
  Path out;

  @Override
  public Integer call() {
    Map<String, Supplier<Object>> benchmarks = new LinkedHashMap<>();
    benchmarks.put("step", StepBenchmark::new);
    benchmarks.put("corruptions", CorruptionBenchmark::new);
    benchmarks.put("offload", OffloadBenchmark::new);
    benchmarks.put("kafka-path", KafkaPathBenchmark::new);
    benchmarks.put("augment", AugmentBenchmark::new);
    benchmarks.put("soak", SoakBenchmark::new); // 5000 IGD steps: the longest, last
    String[] args = out == null ? new String[0] : new String[] {"--out", out.toString()};
    int worst = 0;
    for (Map.Entry<String, Supplier<Object>> b : benchmarks.entrySet()) {
      System.out.println("== bench " + b.getKey() + " ==");
      worst = Math.max(worst, new CommandLine(b.getValue().get()).execute(args));
    }
    return worst;
  }
}
