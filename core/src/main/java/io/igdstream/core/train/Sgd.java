package io.igdstream.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.igdstream.core.io.TensorData;
import io.igdstream.core.model.Autograd;
import io.igdstream.core.model.TensorArrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PyTorch's SGD (dampening 0, no Nesterov): d = g + wd·w; b ← μ·b + d; w ← w − lr·b. Written here
 * rather than taken from DJL so its momentum buffers can be checkpointed and restored exactly.
 * Zeroes each gradient after using it (DJL's collector does not zero on open).
 */
public final class Sgd implements AutoCloseable {

  private final Map<String, Parameter> parameters;
  private final SgdSettings settings;
  private final NDManager manager;
  private final Map<String, NDArray> momentum = new LinkedHashMap<>();

  /**
   * @param parameters the trainable parameters by (PyTorch) name
   */
  public Sgd(Map<String, Parameter> parameters, SgdSettings settings, NDManager parent) {
    this.parameters = parameters;
    this.settings = settings;
    this.manager = parent.newSubManager();
  }

  public SgdSettings settings() {
    return settings;
  }

  /** One update of every parameter with the current learning rate. */
  public void step(double learningRate) {
    Autograd.noGrad(
        () -> {
          for (var entry : parameters.entrySet()) {
            NDArray w = entry.getValue().getArray();
            try (NDManager scope = manager.newSubManager()) {
              NDArray g = w.getGradient(); // a new handle on w.grad: close it with the scope
              g.attach(scope);
              NDArray d =
                  settings.weightDecay() == 0
                      ? g.mul(1)
                      : inScope(w.mul(settings.weightDecay()), scope).add(g);
              NDArray update = d;
              if (settings.momentum() > 0) {
                NDArray b = momentum.get(entry.getKey());
                if (b == null) {
                  b = d.duplicate(); // PyTorch's first step: b = d
                  b.attach(manager);
                  momentum.put(entry.getKey(), b);
                } else {
                  b.muli(settings.momentum()).addi(d);
                }
                update = b;
              }
              w.subi(inScope(update.mul(learningRate), scope));
              Autograd.zeroGradient(w); // DJL's collector does not zero on open
            }
          }
        });
  }

  private static NDArray inScope(NDArray a, NDManager scope) {
    a.attach(scope);
    return a;
  }

  /** Momentum buffers by parameter name (empty before the first step). */
  public LinkedHashMap<String, TensorData> state() {
    LinkedHashMap<String, TensorData> state = new LinkedHashMap<>();
    momentum.forEach((name, b) -> state.put(name, TensorArrays.toTensorData(b)));
    return state;
  }

  /** Restores momentum buffers saved by {@link #state()}. */
  public void loadState(Map<String, TensorData> state) {
    momentum.values().forEach(NDArray::close);
    momentum.clear();
    for (var entry : state.entrySet()) {
      Parameter p = parameters.get(entry.getKey());
      if (p == null) {
        throw new IllegalArgumentException(
            "optimizer state names unknown parameter '" + entry.getKey() + "'");
      }
      NDArray b = p.getArray().zerosLike();
      b.attach(manager);
      TensorArrays.copyInto(b, entry.getValue(), entry.getKey());
      momentum.put(entry.getKey(), b);
    }
  }

  /** The parameters' names in update order. */
  public List<String> parameterNames() {
    return List.copyOf(parameters.keySet());
  }

  @Override
  public void close() {
    manager.close();
  }
}
