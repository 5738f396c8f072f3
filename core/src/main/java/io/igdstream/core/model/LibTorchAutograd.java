package io.igdstream.core.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Two libtorch autograd calls that DJL 0.36 does not expose, bound through JNA to the
 * libtorch_cpu.so DJL already loaded (docs/STACK.md, "Double backprop", items 2 and 3).
 *
 * <ul>
 *   <li>{@link #detachInPlace}: {@code t.detach_()}. A {@code .grad} written by a {@code
 *       create_graph} backward references its own leaf through its graph, a C++ reference cycle
 *       that is never freed (30–80 MB per IGD step at batch 128) unless it is detached.
 *   <li>{@link #backward}: {@code target.backward(inputs=[...])}: accumulates into the listed
 *       leaves only and prunes every other branch, so no parameter gradients are computed.
 * </ul>
 *
 * <p>Both go straight into C++ (x86-64 SysV, Itanium ABI): a libtorch error inside aborts the JVM
 * rather than throwing, so the arguments are checked here first. The mangled names are those of
 * libtorch 2.x with {@code std::optional}; {@code LibTorchAutogradTest} fails when they stop
 * resolving, which is the signal to re-check them with {@code nm -D libtorch_cpu.so}.
 */
final class LibTorchAutograd {

  /** {@code at::Tensor& at::_ops::detach_::call(at::Tensor&)}. */
  static final String DETACH_SYMBOL = "_ZN2at4_ops7detach_4callERNS_6TensorE";

  /**
   * {@code void at::_ops::_backward::call(const Tensor& self, ArrayRef<Tensor> inputs, const
   * optional<Tensor>& gradient, optional<bool> retain_graph, bool create_graph)}.
   */
  static final String BACKWARD_SYMBOL =
      "_ZN2at4_ops9_backward4callERKNS_6TensorEN3c108ArrayRefIS2_EERKSt8optionalIS2_ES8_IbEb";

  private static final int RTLD_LAZY = 0x1;
  private static final int RTLD_NOLOAD = 0x4; // only succeed if the library is already loaded

  private static final Function DETACH;
  private static final Function BACKWARD;

  /** The libtorch_cpu.so these calls are bound to. */
  static final Path LIBTORCH_CPU;

  static {
    Engine.getEngine("PyTorch"); // DJL extracts and loads libtorch first
    LIBTORCH_CPU = locateLibTorchCpu();
    // RTLD_NOLOAD: a handle on the copy DJL loaded; never a second copy.
    NativeLibrary lib =
        NativeLibrary.getInstance(
            LIBTORCH_CPU.toString(), Map.of(Library.OPTION_OPEN_FLAGS, RTLD_LAZY | RTLD_NOLOAD));
    DETACH = lib.getFunction(DETACH_SYMBOL);
    BACKWARD = lib.getFunction(BACKWARD_SYMBOL);
  }

  private LibTorchAutograd() {}

  /** The mapped libtorch_cpu.so of this process, else the one in DJL's libtorch directory. */
  private static Path locateLibTorchCpu() {
    String name = System.mapLibraryName("torch_cpu");
    Path maps = Path.of("/proc/self/maps");
    if (Files.isReadable(maps)) {
      try {
        for (String line : Files.readAllLines(maps)) {
          int slash = line.indexOf('/');
          if (slash >= 0 && line.endsWith('/' + name)) {
            return Path.of(line.substring(slash));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Path p = Path.of(LibUtils.getLibtorchPath()).resolve(name);
    if (Files.isRegularFile(p)) {
      return p;
    }
    throw new IllegalStateException(name + " is not loaded and not in " + p.getParent());
  }

  private static Pointer tensor(NDArray array) {
    return new Pointer(((PtNDArray) array).getHandle());
  }

  /** {@code t.detach_()}: drops grad_fn and requires_grad of the tensor (all handles see it). */
  static void detachInPlace(NDArray t) {
    DETACH.invokePointer(new Object[] {tensor(t)});
  }

  /** {@code leaf.grad.detach_()} when {@code leaf.grad} is defined; values are kept. */
  static void detachGradInPlace(NDArray leaf) {
    PtNDArray grad = JniUtils.getGradient((PtNDArray) leaf); // a new handle on leaf.grad
    if (grad != null) {
      try (grad) {
        detachInPlace(grad);
      }
    }
  }

  /**
   * {@code target.backward(inputs=inputs, retain_graph=retain, create_graph=create)}, target
   * scalar.
   */
  static void backward(
      NDArray target, boolean retainGraph, boolean createGraph, NDArray... inputs) {
    if (target.getShape().size() != 1) {
      throw new IllegalArgumentException(
          "backward target must have one element, was " + target.getShape());
    }
    if (inputs.length == 0) {
      throw new IllegalArgumentException("backward needs at least one input");
    }
    // ArrayRef<Tensor> = {const Tensor* data, size_t size}; a Tensor is one TensorImpl*. The callee
    // takes its own references, so a bitwise copy is fine for the duration of the call.
    Memory list = new Memory(8L * inputs.length);
    for (int i = 0; i < inputs.length; i++) {
      if (!inputs[i].hasGradient()) {
        throw new IllegalArgumentException("backward input " + i + " does not require a gradient");
      }
      list.setPointer(8L * i, tensor(inputs[i]).getPointer(0));
    }
    // optional<Tensor> = {TensorImpl*, bool engaged}: nullopt means "ones" for a scalar target.
    Memory noGradient = new Memory(16);
    noGradient.clear();
    // optional<bool> by value in a register: byte 0 = value, byte 1 = engaged.
    int retain = 0x100 | (retainGraph ? 1 : 0);
    BACKWARD.invokeVoid(
        new Object[] {tensor(target), list, (long) inputs.length, noGradient, retain, createGraph});
  }

  /** Runs {@code body} with libtorch grad mode set as given, restoring the previous mode. */
  static <T> T withGradMode(boolean enabled, java.util.function.Supplier<T> body) {
    boolean previous = JniUtils.isGradMode();
    JniUtils.setGradMode(enabled);
    try {
      return body.get();
    } finally {
      JniUtils.setGradMode(previous);
    }
  }

  /** Zeroes {@code leaf.grad} in place (values only). */
  static void zeroGrad(NDArray leaf) {
    JniUtils.zeroGrad((PtNDArray) leaf);
  }
}
