package io.igdstream.app;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Commands of the contract that are not built yet: they say so in one line and exit 2. */
abstract class NotBuiltCommand implements Callable<Integer> {

  @Parameters(hidden = true)
  List<String> ignored;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    System.err.println("igd " + spec.name() + ": not built yet (the streaming system is a later milestone); try igd train-local");
    return IgdCommand.BAD_INPUT;
  }

  @Command(name = "pipeline", description = "Whole system on one machine (not built yet).")
  static final class Pipeline extends NotBuiltCommand {}

  @Command(name = "ingest", description = "Read a dataset and produce ImageSample records (not built yet).")
  static final class Ingest extends NotBuiltCommand {}

  @Command(name = "augment", description = "The adversarial-example worker (not built yet).")
  static final class Augment extends NotBuiltCommand {}

  @Command(name = "corrupt", description = "The corruption worker (not built yet).")
  static final class Corrupt extends NotBuiltCommand {}

  @Command(name = "train", description = "The Kafka-fed trainer (not built yet).")
  static final class Train extends NotBuiltCommand {}

  @Command(name = "evaluate", description = "The evaluator stream (not built yet).")
  static final class Evaluate extends NotBuiltCommand {}
}
