package io.igdstream.app.bench;

import io.igdstream.core.model.ModelSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Analytic FLOP count of the small-cnn training steps that {@code bench step} times, so their speed
 * can be compared with a plain matmul's through the same libtorch.
 *
 * <p>Counting rule. Only the convolutions and matmuls are counted (ReLU, max-pool, the loss, the
 * cosine and SGD are elementwise and negligible). F = the forward FLOPs of one batch = Σ over the
 * layers of 2 · MACs, MACs = Cout·Cin·k·k·Hout·Wout for a convolution and in·out for a linear
 * layer, times the batch. Each gradient of a layer (w.r.t. its input data, w.r.t. its weight) costs
 * as many MACs as its forward, so:
 *
 * <ul>
 *   <li>an input-gradient backward ({@code backward(inputs=[x])}: data gradients only, as in the
 *       attack, the teacher gradient and the student's create_graph gradient) = F;
 *   <li>a training backward = 2F − F₁: weight gradients of every layer, data gradients of every
 *       layer but the first (F₁, the first layer's forward), whose input needs none;
 *   <li>the backward of the create_graph input gradient (double backprop) = 2F: each data-gradient
 *       op of that backward differentiated w.r.t. both its operands (the incoming gradient and the
 *       weight). Its second-order path back into the forward at x runs only through ReLU masks and
 *       max-pool indices, whose derivative is zero: not counted, so this is the work needed, a
 *       lower bound if libtorch propagates those zeros.
 * </ul>
 *
 * <p>IGD step = PGD-K K·(F + F) + teacher gradient (F + F) + CE(x_adv) (F + 2F − F₁) + student
 * gradient with create_graph (F + F) + its backward 2F = (2K + 9)F − F₁; plain step = F + 2F − F₁.
 */
final class StepFlops {

  /** The counting rule in one line, for the JSON. */
  static final String RULE =
      "2*MACs of convolutions and matmuls only; F = forward of a batch; input-gradient backward = F; "
          + "training backward = 2F - F1 (no data gradient for the first layer); backward of the create_graph "
          + "gradient = 2F (zero second-order path through ReLU/max-pool not counted); "
          + "IGD = PGD-K K*2F + teacher 2F + CE(x_adv) 3F - F1 + student gradient 2F + its backward 2F; plain = 3F - F1";

  private StepFlops() {}

  /**
   * A convolution or linear layer: its weights (without bias) and the output positions each weight
   * is used at.
   */
  record Layer(String name, long weights, long positions) {

    /** Cout·Cin·k·k weights at Hout·Wout positions. */
    static Layer conv(String name, int in, int out, int kernel, int outHeight, int outWidth) {
      return new Layer(name, (long) out * in * kernel * kernel, (long) outHeight * outWidth);
    }

    /** in·out weights, used once per sample. */
    static Layer linear(String name, int in, int out) {
      return new Layer(name, (long) in * out, 1);
    }

    /** Multiply-accumulates of one sample's forward. */
    long macs() {
      return weights * positions;
    }
  }

  /** One part of a step and its FLOPs for the whole batch. */
  record Part(String name, String rule, long flops) {}

  /**
   * The conv and linear layers of small-cnn as {@code SmallCnn.build} lays them out (3×3, pad 1,
   * max-pool 2 after each conv).
   */
  static List<Layer> smallCnn(ModelSpec spec) {
    int h = spec.height();
    int w = spec.width();
    return List.of(
        Layer.conv("conv1 " + spec.channels() + "->32 3x3", spec.channels(), 32, 3, h, w),
        Layer.conv("conv2 32->64 3x3", 32, 64, 3, h / 2, w / 2),
        Layer.linear("linear " + 64 * (h / 4) * (w / 4) + "->128", 64 * (h / 4) * (w / 4), 128),
        Layer.linear("linear 128->" + spec.classes(), 128, spec.classes()));
  }

  /** F: 2 · MACs of every layer, times the batch. */
  static long forward(List<Layer> layers, int batch) {
    return 2L * batch * layers.stream().mapToLong(Layer::macs).sum();
  }

  /** The first layer's share of F (it needs no data gradient in a training backward). */
  static long firstLayer(List<Layer> layers, int batch) {
    return 2L * batch * layers.get(0).macs();
  }

  /** The parts of one IGD step with a PGD of {@code pgdSteps} iterations. */
  static List<Part> igdStep(List<Layer> layers, int batch, int pgdSteps) {
    long f = forward(layers, batch);
    long f1 = firstLayer(layers, batch);
    List<Part> parts = new ArrayList<>();
    parts.add(
        new Part(
            "pgd-" + pgdSteps,
            pgdSteps + " x (forward F + input-gradient backward F)",
            pgdSteps * 2 * f));
    parts.add(new Part("teacher gradient", "forward F + input-gradient backward F", 2 * f));
    parts.add(new Part("CE(x_adv) forward + backward", "F + (2F - F1)", 3 * f - f1));
    parts.add(
        new Part(
            "student gradient (create_graph)", "forward F + input-gradient backward F", 2 * f));
    parts.add(
        new Part(
            "double-backprop backward", "2F: both operands of each op of that backward", 2 * f));
    return parts;
  }

  /** The parts of one plain step (CE, backward, SGD). */
  static List<Part> plainStep(List<Layer> layers, int batch) {
    long f = forward(layers, batch);
    return List.of(
        new Part("forward", "F", f),
        new Part(
            "backward",
            "2F - F1 (no data gradient for the first layer)",
            2 * f - firstLayer(layers, batch)));
  }

  static long total(List<Part> parts) {
    return parts.stream().mapToLong(Part::flops).sum();
  }
}
