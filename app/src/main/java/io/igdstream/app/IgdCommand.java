package io.igdstream.app;

import io.igdstream.app.bench.BenchCommand;
import io.igdstream.app.cli.AugmentCommand;
import io.igdstream.app.cli.BadInputException;
import io.igdstream.app.cli.BrokerCommand;
import io.igdstream.app.cli.CorruptCommand;
import io.igdstream.app.cli.EvalCommand;
import io.igdstream.app.cli.EvaluateCommand;
import io.igdstream.app.cli.ExitCode;
import io.igdstream.app.cli.ExportCommand;
import io.igdstream.app.cli.IngestCommand;
import io.igdstream.app.cli.KafkaRefusal;
import io.igdstream.app.cli.KeysCommand;
import io.igdstream.app.cli.PipelineCommand;
import io.igdstream.app.cli.SchemasCommand;
import io.igdstream.app.cli.TopicsCommand;
import io.igdstream.app.cli.TrainCommand;
import io.igdstream.app.cli.TrainLocalCommand;
import io.igdstream.core.data.DatasetException;
import io.igdstream.core.io.CheckpointException;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code igd}: the command line of igd-stream (docs/DESIGN.md "The command line"). */
@Command(
    name = "igd",
    mixinStandardHelpOptions = true,
    version = "igd-stream 0.1.0",
    description =
        "Streaming adversarial data augmentation and Input Gradient Distillation training.",
    subcommands = {
      PipelineCommand.class,
      BrokerCommand.class,
      IngestCommand.class,
      AugmentCommand.class,
      CorruptCommand.class,
      TrainCommand.class,
      EvaluateCommand.class,
      TrainLocalCommand.class,
      EvalCommand.class,
      ExportCommand.class,
      KeysCommand.class,
      TopicsCommand.class,
      SchemasCommand.class,
      BenchCommand.class,
    })
public final class IgdCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs a command line and returns its exit code (tests call this). */
  public static int execute(String... args) {
    CommandLine cli = new CommandLine(new IgdCommand());
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          var refused = KafkaRefusal.line(e, commandLine.getCommandName());
          if (refused.isPresent()) { // final: retrying with the same credentials cannot help
            commandLine
                .getErr()
                .println("igd " + commandLine.getCommandName() + ": " + refused.get());
            return ExitCode.BAD_INPUT;
          }
          if (isBadInput(e)) {
            commandLine
                .getErr()
                .println("igd " + commandLine.getCommandName() + ": " + oneLine(e.getMessage()));
            return ExitCode.BAD_INPUT;
          }
          throw e;
        });
    cli.setParameterExceptionHandler(
        (e, args1) -> {
          e.getCommandLine().getErr().println("igd: " + e.getMessage());
          e.getCommandLine()
              .getErr()
              .println("(see: igd " + e.getCommandLine().getCommandName() + " --help)");
          return ExitCode.BAD_INPUT;
        });
    return cli.execute(args);
  }

  static boolean isBadInput(Exception e) {
    return e instanceof IllegalArgumentException
        || e instanceof DatasetException
        || e instanceof CheckpointException
        || e instanceof UncheckedIOException
        || e instanceof BadInputException;
  }

  private static String oneLine(String message) {
    return message == null ? "failed" : message.replace('\n', ' ');
  }
}
