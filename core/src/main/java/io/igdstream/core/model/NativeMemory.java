package io.igdstream.core.model;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;

/**
 * Gives memory that glibc holds free back to the operating system ({@code malloc_trim(0)}).
 * libtorch allocates and frees tensors of many sizes every step; glibc keeps the freed pages in its
 * arenas, so without this the resident size of a training process creeps up by about 0.3 MB per IGD
 * step for as long as it runs (measured by {@code igd bench soak --no-trim}). Trimming every
 * hundred steps cuts that creep about tenfold (docs/BENCHMARKS.md) and costs a few milliseconds.
 * Where there is no glibc (musl, macOS) it does nothing.
 */
public final class NativeMemory {

  /** How often the training loops trim, in steps (or batches). */
  public static final int TRIM_EVERY = 100;

  private static final Function MALLOC_TRIM = lookup();

  private NativeMemory() {}

  /** Returns glibc's free memory to the OS; true if it released any. */
  public static boolean release() {
    return MALLOC_TRIM != null && MALLOC_TRIM.invokeInt(new Object[] {0L}) == 1;
  }

  /** {@link #release} when {@code step} is a multiple of {@link #TRIM_EVERY}. */
  public static void releaseEvery(long step) {
    if (step > 0 && step % TRIM_EVERY == 0) {
      release();
    }
  }

  private static Function lookup() {
    try {
      return NativeLibrary.getInstance("c").getFunction("malloc_trim");
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      return null; // not glibc
    }
  }
}
