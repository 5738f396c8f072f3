package io.igdstream.app.cli;

import ai.djl.engine.Engine;

/**
 * {@code --device auto|cpu|gpu}: DJL uses a GPU when its engine finds one; everything works on CPU.
 */
final class Devices {

  private Devices() {}

  static void check(String device) {
    switch (device) {
      case "auto", "cpu" -> {}
      case "gpu" -> {
        if (Engine.getInstance().getGpuCount() == 0) {
          throw new BadInputException("--device gpu: DJL finds no GPU here (use auto or cpu)");
        }
      }
      default ->
          throw new BadInputException("--device must be auto, cpu or gpu, was '" + device + "'");
    }
  }
}
