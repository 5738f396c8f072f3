package io.igdstream.core.model;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The one thread of a JVM that does gradient work (docs/STACK.md, "Double backprop", item 6:
 * libtorch allows one open gradient collector per process and grad mode is thread-local). Every
 * role in the JVM — attacks in augment, the training step, the evaluator — submits its DJL work
 * here, so two collectors never overlap and model swaps need no locks: whoever runs on this thread
 * owns the models.
 */
public final class GradientThread {

  private static final GradientThread SHARED = new GradientThread();

  private final ExecutorService executor;
  private volatile Thread thread;

  private GradientThread() {
    executor =
        Executors.newSingleThreadExecutor(
            runnable -> {
              Thread t = new Thread(runnable, "igd-gradient");
              t.setDaemon(true);
              thread = t;
              return t;
            });
  }

  /** The JVM's gradient thread. */
  public static GradientThread shared() {
    return SHARED;
  }

  /** Whether the caller is the gradient thread. */
  public boolean isCurrent() {
    return Thread.currentThread() == thread;
  }

  /** Runs {@code work} on the gradient thread; the future fails with what it throws. */
  public <T> CompletableFuture<T> submit(Callable<T> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    executor.execute(
        () -> {
          try {
            result.complete(work.call());
          } catch (Throwable t) {
            result.completeExceptionally(t);
          }
        });
    return result;
  }

  /**
   * Runs {@code work} on the gradient thread and waits for it (directly, when already on it).
   * Unchecked exceptions of the work are rethrown as they are.
   */
  public <T> T call(Callable<T> work) {
    if (isCurrent()) {
      try {
        return work.call();
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    try {
      return submit(work).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the gradient thread", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    }
  }
}
