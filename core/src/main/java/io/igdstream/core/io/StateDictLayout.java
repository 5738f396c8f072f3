package io.igdstream.core.io;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The PyTorch state_dict (names in PyTorch's order, shapes) of each architecture igd-stream builds,
 * derived from the module definitions alone, so a weights file can be checked without building a
 * model. BatchNorm's {@code num_batches_tracked} buffers are not listed: they have no DJL twin and
 * a reader may drop them. {@code StateDictLayoutTest} keeps this equal to what {@code
 * Classifier.stateDict()} holds.
 */
public final class StateDictLayout {

  /** The architecture ids this class knows, as {@code --model} spells them. */
  public static final List<String> ARCHITECTURES = List.of("small-cnn", "preact-resnet18");

  private static final int[] RESNET_PLANES = {64, 128, 256, 512};

  private StateDictLayout() {}

  /**
   * Name → shape of {@code architecture}'s state_dict for (C, H, W) inputs and {@code classes}
   * logits.
   *
   * @throws IllegalArgumentException for an unknown architecture
   */
  public static LinkedHashMap<String, long[]> of(
      String architecture, int channels, int height, int width, int classes) {
    LinkedHashMap<String, long[]> state = new LinkedHashMap<>();
    switch (architecture) {
      case "small-cnn" -> {
        long flat = 64L * (height / 4) * (width / 4);
        state.put("0.weight", new long[] {32, channels, 3, 3});
        state.put("0.bias", new long[] {32});
        state.put("3.weight", new long[] {64, 32, 3, 3});
        state.put("3.bias", new long[] {64});
        state.put("7.weight", new long[] {128, flat});
        state.put("7.bias", new long[] {128});
        state.put("9.weight", new long[] {classes, 128});
        state.put("9.bias", new long[] {classes});
      }
      case "preact-resnet18" -> {
        state.put("conv1.weight", new long[] {64, channels, 3, 3});
        int in = 64;
        for (int l = 0; l < RESNET_PLANES.length; l++) {
          int out = RESNET_PLANES[l];
          for (int b = 0; b < 2; b++) {
            String p = "layer" + (l + 1) + "." + b + ".";
            batchNorm(state, p + "bn1.", in);
            state.put(p + "conv1.weight", new long[] {out, in, 3, 3});
            batchNorm(state, p + "bn2.", out);
            state.put(p + "conv2.weight", new long[] {out, out, 3, 3});
            if (in != out) { // stride 2 or more planes: the 1x1 projection shortcut
              state.put(p + "shortcut.0.weight", new long[] {out, in, 1, 1});
            }
            in = out;
          }
        }
        batchNorm(state, "bn.", 512);
        state.put("linear.weight", new long[] {classes, 512});
        state.put("linear.bias", new long[] {classes});
      }
      default ->
          throw new IllegalArgumentException(
              "unknown model '"
                  + architecture
                  + "', expected one of "
                  + String.join(", ", ARCHITECTURES));
    }
    return state;
  }

  /** The first convolution's weight, whose dimension 1 is the input channels. */
  static String inputWeight(String architecture) {
    return architecture.equals("small-cnn") ? "0.weight" : "conv1.weight";
  }

  /** The last layer's bias, whose dimension 0 is the number of classes. */
  static String outputBias(String architecture) {
    return architecture.equals("small-cnn") ? "9.bias" : "linear.bias";
  }

  /** Whether {@code name} is a BatchNorm batch counter, which carries no weights. */
  static boolean isBatchCounter(String name) {
    return name.endsWith(".num_batches_tracked");
  }

  /** The architecture whose characteristic tensors {@code names} holds, or null. */
  static String infer(java.util.Set<String> names) {
    if (names.containsAll(Arrays.asList("0.weight", "9.weight", "9.bias"))) {
      return "small-cnn";
    }
    if (names.containsAll(Arrays.asList("conv1.weight", "layer1.0.bn1.weight", "linear.bias"))) {
      return "preact-resnet18";
    }
    return null;
  }

  private static void batchNorm(Map<String, long[]> state, String prefix, int channels) {
    for (String s : List.of("weight", "bias", "running_mean", "running_var")) {
      state.put(prefix + s, new long[] {channels});
    }
  }
}
