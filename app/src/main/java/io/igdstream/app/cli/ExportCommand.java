package io.igdstream.app.cli;

import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.io.ModelExport;
import io.igdstream.core.io.ModelFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code igd export}: weights to safetensors named and laid out as the equivalent PyTorch module.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    header = "A model's weights as safetensors with PyTorch names.",
    description =
        "Export a model's weights to safetensors with PyTorch state_dict names, plus a JSON sidecar.")
public final class ExportCommand implements Callable<Integer> {

  @Parameters(
      index = "0",
      paramLabel = "MODEL",
      description =
          "A model.safetensors or checkpoint written by igd, or a PyTorch state_dict"
              + " safetensors file.")
  Path model;

  @Option(
      names = "--out",
      required = true,
      description = "The safetensors file to write (FILE.json beside it).")
  Path out;

  @Override
  public Integer call() {
    if (!Files.isRegularFile(model)) {
      throw new BadInputException("model file " + model + " does not exist");
    }
    Path parent = out.toAbsolutePath().getParent();
    OutputDirectory.prepare(parent);
    // export → read → export is byte-identical, so exported files round-trip
    Checkpoint checkpoint = ModelFiles.read(model, Optional.empty());
    Path sidecar = ModelExport.export(checkpoint, out);
    System.out.println("wrote " + out + " and " + sidecar);
    return ExitCode.OK;
  }
}
