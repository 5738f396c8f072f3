package io.igdstream.core.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.io.CheckpointException;
import io.igdstream.core.io.TensorData;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A DJL image classifier of one {@link Architecture}: owns its native memory (close it), exposes
 * forward passes and input gradients through {@link GradientModel}, and moves its weights in and
 * out as PyTorch-named tensors (checkpoints and export use the same names).
 */
public final class Classifier implements GradientModel, AutoCloseable {

  private final Architecture architecture;
  private final ModelSpec spec;
  private final DataType dataType;
  private final NDManager manager;
  private final Block block;
  private final ParameterStore parameterStore;
  private final Map<String, Parameter> pytorchParameters;

  private Classifier(Architecture architecture, ModelSpec spec, DataType dataType, long seed) {
    this.architecture = architecture;
    this.spec = spec;
    this.dataType = dataType;
    this.manager = NDManager.newBaseManager();
    this.block = architecture.build(spec.channels(), spec.height(), spec.width(), spec.classes());
    Engine.getInstance().setRandomSeed((int) seed); // the initial weights follow the seed
    block.initialize(manager, dataType, new Shape(1, spec.channels(), spec.height(), spec.width()));
    this.parameterStore = new ParameterStore(manager, false);
    this.pytorchParameters = architecture.pytorchParameters(block);
  }

  /** A freshly initialised (PyTorch default init, seeded) float32 classifier. */
  public static Classifier create(Architecture architecture, ModelSpec spec, long seed) {
    return new Classifier(architecture, spec, DataType.FLOAT32, seed);
  }

  /** The same in another float type (float64 for finite-difference checks). */
  public static Classifier create(
      Architecture architecture, ModelSpec spec, DataType dataType, long seed) {
    return new Classifier(architecture, spec, dataType, seed);
  }

  public Architecture architecture() {
    return architecture;
  }

  public ModelSpec spec() {
    return spec;
  }

  public DataType dataType() {
    return dataType;
  }

  /** The manager that owns the weights; per-batch arrays belong in its sub-managers. */
  public NDManager manager() {
    return manager;
  }

  @Override
  public int classes() {
    return spec.classes();
  }

  @Override
  public NDArray logits(NDArray x, boolean training) {
    return block.forward(parameterStore, new NDList(x), training).singletonOrThrow();
  }

  @Override
  public NDArray inputGradient(
      NDArray x, Objective objective, boolean training, boolean createGraph) {
    return LibTorchAutograd.withGradMode(
        true,
        () -> {
          try (NDManager scope = x.getManager().newSubManager()) {
            NDArray leaf = x.duplicate(); // duplicate() runs without grad mode: a fresh leaf
            leaf.attach(scope);
            leaf.setRequiresGradient(true);
            NDArray target = objective.apply(logits(leaf, training));
            LibTorchAutograd.backward(target, createGraph, createGraph, leaf);
            NDArray grad = leaf.getGradient(); // a new handle on leaf.grad
            NDArray result;
            if (createGraph) {
              result =
                  grad.mul(1); // its own tensor that keeps the graph (duplicate() would cut it)
              LibTorchAutograd.detachInPlace(grad); // break leaf → leaf.grad → graph → leaf
            } else {
              result = grad;
            }
            result.attach(x.getManager());
            return result;
          }
        });
  }

  /**
   * Parameters the optimiser updates by PyTorch name, in PyTorch order (running statistics
   * excluded).
   */
  public Map<String, Parameter> trainableParameters() {
    Map<String, Parameter> trainable = new LinkedHashMap<>();
    pytorchParameters.forEach(
        (name, p) -> {
          if (p.requiresGradient()) {
            trainable.put(name, p);
          }
        });
    return trainable;
  }

  /** PyTorch state_dict name → DJL parameter. */
  public Map<String, Parameter> pytorchParameters() {
    return pytorchParameters;
  }

  /** Stops every parameter from taking gradients (a frozen teacher). */
  public void freeze() {
    block.freezeParameters(true);
  }

  /** Every weight and running statistic as PyTorch-named tensors (copies). */
  public LinkedHashMap<String, TensorData> stateDict() {
    LinkedHashMap<String, TensorData> state = new LinkedHashMap<>();
    pytorchParameters.forEach(
        (name, p) -> state.put(name, TensorArrays.toTensorData(p.getArray())));
    return state;
  }

  /**
   * The model as a model file (a checkpoint without optimiser state): {@link #describe()} plus
   * {@code facts} as metadata, the weights by PyTorch name. What {@code igd eval}, {@code
   * --teacher} and the snapshot followers read back with {@link #load}.
   */
  public Checkpoint toModelFile(Map<String, String> facts) {
    Map<String, String> meta = new LinkedHashMap<>(facts);
    meta.putAll(describe());
    return new Checkpoint(meta, stateDict(), new LinkedHashMap<>());
  }

  /** Copies the tensors of {@code state} into the weights; names and shapes must match exactly. */
  public void loadStateDict(Map<String, TensorData> state) {
    for (var entry : pytorchParameters.entrySet()) {
      TensorData t = state.get(entry.getKey());
      if (t == null) {
        throw new IllegalArgumentException(
            "weights lack tensor '" + entry.getKey() + "' of model " + architecture.id());
      }
      TensorArrays.copyInto(entry.getValue().getArray(), t, entry.getKey());
    }
  }

  /** The metadata that lets a file rebuild this model: architecture and shapes. */
  public Map<String, String> describe() {
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("architecture", architecture.id());
    meta.put("channels", Integer.toString(spec.channels()));
    meta.put("height", Integer.toString(spec.height()));
    meta.put("width", Integer.toString(spec.width()));
    meta.put("classes", Integer.toString(spec.classes()));
    return meta;
  }

  /** Rebuilds the float32 model a checkpoint or model file holds. */
  public static Classifier load(Checkpoint checkpoint) {
    Architecture architecture;
    try {
      architecture = Architecture.of(checkpoint.require("architecture"));
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(e.getMessage());
    }
    ModelSpec spec =
        new ModelSpec(
            (int) checkpoint.requireLong("channels"),
            (int) checkpoint.requireLong("height"),
            (int) checkpoint.requireLong("width"),
            (int) checkpoint.requireLong("classes"));
    Classifier model = create(architecture, spec, 0);
    try {
      model.loadStateDict(checkpoint.model());
    } catch (IllegalArgumentException e) {
      model.close();
      throw new CheckpointException(e.getMessage());
    }
    return model;
  }

  /** An (N, C, H, W) batch array of this model's type in {@code target}. */
  public NDArray images(NDManager target, float[] pixels, int n) {
    NDArray x = target.create(pixels, new Shape(n, spec.channels(), spec.height(), spec.width()));
    return dataType == DataType.FLOAT32 ? x : x.toType(dataType, false);
  }

  @Override
  public void close() {
    manager.close();
  }
}
