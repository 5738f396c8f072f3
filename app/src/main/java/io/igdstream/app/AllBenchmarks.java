package io.igdstream.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code igd bench all}: every benchmark in turn with its defaults, each printing its table (and JSON under --out). */
@Command(name = "all", mixinStandardHelpOptions = true, description = "Run every benchmark: step, corruptions.")
final class AllBenchmarks implements Callable<Integer> {

  @Option(names = "--out", description = "Directory for the benchmarks' JSON files.")
  Path out;

  @Override
  public Integer call() {
    String[] args = out == null ? new String[0] : new String[] {"--out", out.toString()};
    System.out.println("== bench step ==");
    int step = new CommandLine(new StepBenchmark()).execute(args);
    System.out.println("== bench corruptions ==");
    int corruptions = new CommandLine(new CorruptionBenchmark()).execute(args);
    return Math.max(step, corruptions);
  }
}
