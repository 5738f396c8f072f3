package io.igdstream.app.console;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress of one task with its rate and ETA: a live bar on a terminal, a status line every
 * interval otherwise (logs, CI, pods), and a last line when it closes. The count only moves
 * forward, so what it shows never jumps back; a task of another size gets a Progress of its own.
 */
public final class Progress implements AutoCloseable {

  /** The rate is measured over the last minute, so a slow start or a pause fades out of it. */
  private static final long RATE_WINDOW = Duration.ofSeconds(60).toNanos();

  private static final long SAMPLE_EVERY = Duration.ofSeconds(1).toNanos();
  private static final int BAR_WIDTH = 24;

  /** The live bar being shown on the terminal, so that a log line can step around it. */
  private static Progress shown;

  private final String task;
  private final long total;
  private final String unit;
  private final Log log;
  private final PrintStream terminal;
  private final long interval;
  private final LongSupplier clock;
  private final ArrayDeque<long[]> samples = new ArrayDeque<>(); // (time, count), oldest first
  private long done;
  private String message = "";
  private long shownAt;
  private int shownLength;
  private boolean closed;

  Progress(
      String task,
      long total,
      long done,
      String unit,
      Log log,
      PrintStream terminal,
      Duration interval,
      LongSupplier clock) {
    this.task = task;
    this.total = Math.max(0, total);
    this.done = Math.max(0, done);
    this.unit = unit;
    this.log = log;
    this.terminal = terminal;
    this.interval = interval.toNanos();
    this.clock = clock;
    long now = clock.getAsLong();
    samples.add(new long[] {now, this.done});
    shownAt = now;
  }

  /**
   * Starts showing a task of {@code total} units of which {@code done} are done already (a resumed
   * run; they do not count toward the rate): a live bar when standard error is a terminal, else a
   * line every 15 s.
   */
  public static Progress start(String task, long total, long done, String unit, Log log) {
    if (System.console() != null) {
      return new Progress(
          task, total, done, unit, log, System.err, Duration.ofMillis(500), System::nanoTime);
    }
    return lines(task, total, done, unit, log, Duration.ofSeconds(15));
  }

  /** Like {@link #start}, but always status lines, one every {@code every}. */
  public static Progress lines(
      String task, long total, long done, String unit, Log log, Duration every) {
    return new Progress(task, total, done, unit, log, null, every, System::nanoTime);
  }

  /** Moves to {@code count} done (never back) with {@code message} after the figures. */
  public void stepTo(long count, String message) {
    synchronized (Progress.class) {
      if (closed) {
        return;
      }
      long now = clock.getAsLong();
      done = Math.max(done, count);
      this.message = message;
      // the newest reading replaces the last one while that is under a second newer than the one
      // before it (the first, at the start, stays), so the window holds a reading a second at most
      if (samples.size() >= 2) {
        long[] last = samples.removeLast();
        if (now - samples.peekLast()[0] >= SAMPLE_EVERY) {
          samples.addLast(last);
        }
      }
      samples.addLast(new long[] {now, done});
      while (samples.size() > 2 && now - samples.peekFirst()[0] > RATE_WINDOW) {
        samples.removeFirst();
      }
      if (now - shownAt >= interval) {
        shownAt = now;
        show(false);
      }
    }
  }

  /** How many are done. */
  public long done() {
    synchronized (Progress.class) {
      return done;
    }
  }

  /** Units per second over the last minute; NaN until there is time to measure over. */
  double rate() {
    long[] first = samples.peekFirst();
    long[] last = samples.peekLast();
    double seconds = (last[0] - first[0]) / 1e9;
    return seconds <= 0 ? Double.NaN : (last[1] - first[1]) / seconds;
  }

  /** The figures: task, percent, count, rate, ETA, then the message. */
  String line() {
    double rate = rate();
    long percent = total == 0 ? 100 : Math.min(100, 100 * done / total);
    String eta =
        done >= total ? "done" : rate > 0 ? "ETA " + duration((total - done) / rate) : "ETA ?";
    return String.format(
        Locale.ROOT,
        "%s %d%% %d/%d %s, %s %s/s, %s%s",
        task,
        percent,
        done,
        total,
        unit,
        Double.isNaN(rate) ? "?" : String.format(Locale.ROOT, rate < 10 ? "%.2f" : "%.0f", rate),
        unit,
        eta,
        message.isEmpty() ? "" : " | " + message);
  }

  /** Shows the last state once more and stops. */
  @Override
  public void close() {
    synchronized (Progress.class) {
      if (closed) {
        return;
      }
      show(true);
      closed = true;
      if (shown == this) {
        shown = null;
      }
    }
  }

  private void show(boolean last) {
    if (terminal == null) {
      log.info(line());
      return;
    }
    String text = bar() + " " + line();
    terminal.print("\r" + text + " ".repeat(Math.max(0, shownLength - text.length())));
    shownLength = text.length();
    if (last) {
      terminal.println();
      shownLength = 0;
    }
    terminal.flush();
    shown = last ? null : this;
  }

  private String bar() {
    int filled = total == 0 ? BAR_WIDTH : (int) Math.min(BAR_WIDTH, BAR_WIDTH * done / total);
    return "[" + "=".repeat(filled) + " ".repeat(BAR_WIDTH - filled) + "]";
  }

  /**
   * Runs {@code print} (a log line on {@code out}) without garbling a live bar: the bar is cleared
   * first and drawn again below the line.
   */
  static void aroundLiveBar(PrintStream out, Runnable print) {
    synchronized (Progress.class) {
      Progress bar = shown;
      if (bar == null || bar.terminal != out) {
        print.run();
        return;
      }
      out.print("\r" + " ".repeat(bar.shownLength) + "\r");
      bar.shownLength = 0;
      print.run();
      bar.show(false);
    }
  }

  /** 42 s, 7.1 min, 2.3 h. */
  static String duration(double seconds) {
    if (seconds < 90) {
      return String.format(Locale.ROOT, "%.0f s", seconds);
    }
    if (seconds < 90 * 60) {
      return String.format(Locale.ROOT, "%.1f min", seconds / 60);
    }
    return String.format(Locale.ROOT, "%.1f h", seconds / 3600);
  }
}
