package io.igdstream.core.corruption;

/**
 * Per-thread scratch buffers for the spatial corruptions (blur, pixelate), grown on demand and
 * reused, so steady-state calls allocate nothing. Callers must not nest uses on one thread.
 */
final class Scratch {

  private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);

  private double[] a = new double[0];
  private double[] b = new double[0];
  private double[] c = new double[0];
  private int[] ia = new int[0];
  private int[] ib = new int[0];

  private Scratch() {}

  static Scratch get() {
    return LOCAL.get();
  }

  double[] a(int size) {
    if (a.length < size) {
      a = new double[size];
    }
    return a;
  }

  double[] b(int size) {
    if (b.length < size) {
      b = new double[size];
    }
    return b;
  }

  double[] c(int size) {
    if (c.length < size) {
      c = new double[size];
    }
    return c;
  }

  int[] ia(int size) {
    if (ia.length < size) {
      ia = new int[size];
    }
    return ia;
  }

  int[] ib(int size) {
    if (ib.length < size) {
      ib = new int[size];
    }
    return ib;
  }
}
