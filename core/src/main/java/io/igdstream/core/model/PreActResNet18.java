package io.igdstream.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * {@code preact-resnet18} (docs/DESIGN.md "Models"): the pre-activation ResNet-18 of He et al.
 * 2016, "Identity Mappings in Deep Residual Networks", exactly as the PyTorch {@code
 * PreActResNet18} of the TRADES / IGD authors' code:
 *
 * <pre>
 * conv1 = Conv(C→64, 3×3, stride 1, pad 1, no bias)
 * layer1..layer4 = 2 PreActBlocks each: planes 64, 128, 256, 512; first-block strides 1, 2, 2, 2
 * PreActBlock(in, planes, stride):
 *     out = relu(bn1(x))
 *     shortcut = Conv(in→planes, 1×1, stride)(out) if stride ≠ 1 or in ≠ planes, else x
 *     return conv2(relu(bn2(conv1(out)))) + shortcut
 *     (conv1: 3×3, stride, pad 1; conv2: 3×3, stride 1, pad 1; no conv has a bias)
 * head: relu(bn(out)) · average pool · Linear(512→classes)
 * </pre>
 *
 * <p>Input (N, C, H, W) in [0, 1], no normalisation; output logits (N, classes). 11,172,170
 * learnable parameters for C = 3, classes = 10 (as PyTorch counts them), plus 7,808 running stats.
 *
 * <p><b>Pooling</b>: PyTorch uses {@code avg_pool2d(out, 4)}, which on the 4×4 map that a 32×32 (or
 * 28×28) input yields is the global average. Here the head always takes the global average over the
 * spatial axes, so the logits equal PyTorch's for those sizes and other sizes (e.g. 64×64, for
 * which the PyTorch module fails with a shape mismatch in {@code linear}) still give (N, classes).
 *
 * <p><b>BatchNorm</b>: ε = 1e-5 and PyTorch momentum 0.1. DJL's momentum is the weight of the
 * <i>old</i> running value (its PyTorch engine passes {@code 1 − momentum} to {@code
 * torch.batch_norm}), so the DJL value is {@value #DJL_BN_MOMENTUM}: running = 0.9·running +
 * 0.1·batch statistic, with the unbiased batch variance for {@code running_var}, as in PyTorch.
 * {@code forward(ps, x, training)} decides: {@code true} normalises with batch statistics and
 * updates the running ones in place, {@code false} uses the running ones. The running statistics
 * never require gradients: {@code freezeParameters(false)} unfreezes only γ, β and the weights
 * (DJL's default would break the next training-mode forward).
 *
 * <p>Initialisation as PyTorch's defaults: convolutions and the linear layer U(−1/√fan_in,
 * 1/√fan_in) ({@link TorchInit}), BatchNorm γ = 1, β = 0, running mean 0, running variance 1.
 */
public final class PreActResNet18 {

  /** DJL BatchNorm momentum that reproduces PyTorch's default momentum 0.1 (see class doc). */
  static final float DJL_BN_MOMENTUM = 0.9f;

  /** PyTorch's BatchNorm2d default epsilon. */
  static final float BN_EPSILON = 1e-5f;

  private static final int[] PLANES = {64, 128, 256, 512};
  private static final int[] STRIDES = {1, 2, 2, 2};
  private static final int BLOCKS_PER_LAYER = 2;

  private PreActResNet18() {}

  /**
   * An uninitialised block; the caller initialises it with {@code block.initialize(manager,
   * dataType, new Shape(1, channels, 32, 32))}.
   *
   * @param channels input channels C (3 for RGB)
   * @param classes number of logits
   */
  public static Block build(int channels, int classes) {
    if (channels < 1) {
      throw new IllegalArgumentException("channels must be >= 1, was " + channels);
    }
    if (classes < 1) {
      throw new IllegalArgumentException("classes must be >= 1, was " + classes);
    }
    return new Network(channels, classes);
  }

  /**
   * PyTorch state_dict name → DJL parameter, in PyTorch's state_dict order: every parameter and
   * BatchNorm running statistic of the block, each exactly once ({@code num_batches_tracked} has no
   * DJL twin; an exporter adds it). DJL's conv (out, in, kh, kw) and linear (out, in) layouts equal
   * PyTorch's, so values copy as they are; BatchNorm gamma, beta, runningMean, runningVar become
   * weight, bias, running_mean, running_var.
   *
   * @param block a block made by {@link #build}
   */
  public static Map<String, Parameter> pytorchParameters(Block block) {
    if (!(block instanceof Network)) {
      throw new IllegalArgumentException(
          "block must come from PreActResNet18.build, was "
              + (block == null ? "null" : block.getClass().getName()));
    }
    Network net = (Network) block;
    Map<String, Parameter> named = new LinkedHashMap<>();
    putLeaf(named, "conv1.", net.conv1);
    for (int l = 0; l < net.layers.size(); l++) {
      List<PreActBlock> layer = net.layers.get(l);
      for (int b = 0; b < layer.size(); b++) {
        PreActBlock unit = layer.get(b);
        String prefix = "layer" + (l + 1) + "." + b + ".";
        putLeaf(named, prefix + "bn1.", unit.bn1);
        putLeaf(named, prefix + "conv1.", unit.conv1);
        putLeaf(named, prefix + "bn2.", unit.bn2);
        putLeaf(named, prefix + "conv2.", unit.conv2);
        if (unit.shortcut != null) {
          putLeaf(named, prefix + "shortcut.0.", unit.shortcut);
        }
      }
    }
    putLeaf(named, "bn.", net.bn);
    putLeaf(named, "linear.", net.linear);
    return named;
  }

  private static void putLeaf(Map<String, Parameter> named, String prefix, Block leaf) {
    // DJL registers BatchNorm's parameters as gamma, beta, runningMean, runningVar and Linear's as
    // weight, bias: the same order as PyTorch's state_dict.
    for (Parameter p : leaf.getParameters().values()) {
      String torchName;
      switch (p.getName()) {
        case "weight":
        case "gamma":
          torchName = "weight";
          break;
        case "bias":
        case "beta":
          torchName = "bias";
          break;
        case "runningMean":
          torchName = "running_mean";
          break;
        case "runningVar":
          torchName = "running_var";
          break;
        default:
          throw new IllegalStateException("unmapped DJL parameter " + prefix + p.getName());
      }
      named.put(prefix + torchName, p);
    }
  }

  private static BatchNorm batchNorm() {
    return BatchNorm.builder()
        .optAxis(1)
        .optEpsilon(BN_EPSILON)
        .optMomentum(DJL_BN_MOMENTUM)
        .build();
  }

  private static Conv2d conv(int filters, int kernel, int stride, int padding, long inChannels) {
    Conv2d conv =
        Conv2d.builder()
            .setKernelShape(new Shape(kernel, kernel))
            .optStride(new Shape(stride, stride))
            .optPadding(new Shape(padding, padding))
            .setFilters(filters)
            .optBias(false)
            .build();
    return TorchInit.uniformFanIn(conv, inChannels * kernel * kernel);
  }

  private static NDArray single(Block block, ParameterStore ps, NDArray x, boolean training) {
    return block.forward(ps, new NDList(x), training).singletonOrThrow();
  }

  /** The whole network; children conv1, layer1..layer4, bn, linear in PyTorch's order. */
  static final class Network extends AbstractBlock {

    final Conv2d conv1;
    final List<List<PreActBlock>> layers;
    final BatchNorm bn;
    final Linear linear;
    private final int classes;

    Network(int channels, int classes) {
      this.classes = classes;
      conv1 = addChildBlock("conv1", conv(PLANES[0], 3, 1, 1, channels));
      List<List<PreActBlock>> all = new ArrayList<>();
      int inPlanes = PLANES[0];
      for (int l = 0; l < PLANES.length; l++) {
        List<PreActBlock> layer = new ArrayList<>();
        for (int b = 0; b < BLOCKS_PER_LAYER; b++) {
          int stride = b == 0 ? STRIDES[l] : 1;
          String name = "layer" + (l + 1) + "_" + b;
          layer.add(addChildBlock(name, new PreActBlock(inPlanes, PLANES[l], stride)));
          inPlanes = PLANES[l];
        }
        all.add(Collections.unmodifiableList(layer));
      }
      layers = Collections.unmodifiableList(all);
      bn = addChildBlock("bn", batchNorm());
      int features = PLANES[PLANES.length - 1];
      linear =
          addChildBlock(
              "linear",
              TorchInit.uniformFanIn(Linear.builder().setUnits(classes).build(), features));
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
      NDArray out = single(conv1, ps, inputs.singletonOrThrow(), training);
      for (List<PreActBlock> layer : layers) {
        for (PreActBlock unit : layer) {
          out = single(unit, ps, out, training);
        }
      }
      out = Activation.relu(single(bn, ps, out, training));
      // avg_pool2d(out, 4) on the 4x4 map of a 32x32 input == global average pool (class doc).
      Shape s = out.getShape();
      out = out.reshape(s.get(0), s.get(1), -1).mean(new int[] {2});
      return new NDList(single(linear, ps, out, training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {new Shape(inputShapes[0].get(0), classes)};
    }

    /** As {@link Block#freezeParameters(boolean)}, but never touches the running statistics. */
    @Override
    public void freezeParameters(boolean freeze) {
      freezeParameters(freeze, p -> true);
    }

    /**
     * DJL's default would also unfreeze (set requires-grad on) the BatchNorm running statistics,
     * after which a training-mode forward fails in libtorch ("native_batch_norm is not
     * differentiable with respect to argument 'running_mean'"). They never take gradients here.
     */
    @Override
    public void freezeParameters(boolean freeze, Predicate<Parameter> pred) {
      for (Parameter p : getParameters().values()) {
        boolean runningStat =
            p.getType() == Parameter.Type.RUNNING_MEAN || p.getType() == Parameter.Type.RUNNING_VAR;
        if (!runningStat && pred.test(p)) {
          p.freeze(freeze);
        }
      }
    }

    @Override
    protected void initializeChildBlocks(
        NDManager manager, DataType dataType, Shape... inputShapes) {
      Shape shape = inputShapes[0];
      conv1.initialize(manager, dataType, shape);
      shape = conv1.getOutputShapes(new Shape[] {shape})[0];
      for (List<PreActBlock> layer : layers) {
        for (PreActBlock unit : layer) {
          unit.initialize(manager, dataType, shape);
          shape = unit.getOutputShapes(new Shape[] {shape})[0];
        }
      }
      bn.initialize(manager, dataType, shape);
      linear.initialize(manager, dataType, new Shape(shape.get(0), shape.get(1)));
    }
  }

  /** PyTorch's {@code PreActBlock}; children bn1, conv1, bn2, conv2[, shortcut] in its order. */
  static final class PreActBlock extends AbstractBlock {

    final BatchNorm bn1;
    final Conv2d conv1;
    final BatchNorm bn2;
    final Conv2d conv2;

    /** The 1×1 projection, or null for the identity shortcut. */
    final Conv2d shortcut;

    PreActBlock(int inPlanes, int planes, int stride) {
      bn1 = addChildBlock("bn1", batchNorm());
      conv1 = addChildBlock("conv1", conv(planes, 3, stride, 1, inPlanes));
      bn2 = addChildBlock("bn2", batchNorm());
      conv2 = addChildBlock("conv2", conv(planes, 3, 1, 1, planes));
      shortcut =
          stride != 1 || inPlanes != planes
              ? addChildBlock("shortcut", conv(planes, 1, stride, 0, inPlanes))
              : null;
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
      NDArray x = inputs.singletonOrThrow();
      NDArray out = Activation.relu(single(bn1, ps, x, training));
      NDArray skip = shortcut == null ? x : single(shortcut, ps, out, training);
      out = single(conv1, ps, out, training);
      out = single(conv2, ps, Activation.relu(single(bn2, ps, out, training)), training);
      return new NDList(out.add(skip));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return conv2.getOutputShapes(conv1.getOutputShapes(inputShapes));
    }

    @Override
    protected void initializeChildBlocks(
        NDManager manager, DataType dataType, Shape... inputShapes) {
      Shape in = inputShapes[0];
      bn1.initialize(manager, dataType, in);
      conv1.initialize(manager, dataType, in);
      Shape mid = conv1.getOutputShapes(new Shape[] {in})[0];
      bn2.initialize(manager, dataType, mid);
      conv2.initialize(manager, dataType, mid);
      if (shortcut != null) {
        shortcut.initialize(manager, dataType, in);
      }
    }
  }
}
