package io.igdstream.app.bench;

import picocli.CommandLine.Command;

/** {@code igd bench}: benchmarks that print figures (one subcommand each). */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    header = "Benchmarks that print figures (one subcommand each).",
    description = "Benchmarks that print figures; ratios are measured within one run.",
    subcommands = {
      StepBenchmark.class,
      CorruptionBenchmark.class,
      OffloadBenchmark.class,
      KafkaPathBenchmark.class,
      AugmentBenchmark.class,
      SoakBenchmark.class,
      AutoAttackBenchmark.class,
      AllBenchmarks.class
    })
public final class BenchCommand implements Runnable {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
