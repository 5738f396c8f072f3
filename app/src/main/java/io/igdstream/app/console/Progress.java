package io.igdstream.app.console;

import java.time.Duration;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of long work with rate and ETA: a live bar on a terminal, a line every 15 s otherwise
 * (logs, CI), both drawn by the progressbar library.
 */
public final class Progress implements AutoCloseable {

  private final ProgressBar bar;

  private Progress(ProgressBar bar) {
    this.bar = bar;
  }

  public static Progress start(String task, long total, long done, String unit, Log log) {
    ProgressBarBuilder builder =
        new ProgressBarBuilder()
            .setTaskName(task)
            .setInitialMax(total)
            .showSpeed()
            .setUnit(" " + unit, 1)
            .setStyle(ProgressBarStyle.ASCII)
            .setMaxRenderedLength(120)
            .startsFrom(done, Duration.ZERO);
    if (System.console() == null) {
      builder
          .setConsumer(new DelegatingProgressBarConsumer(log::info, 120))
          .setUpdateIntervalMillis(15_000);
    } else {
      builder.setUpdateIntervalMillis(500);
    }
    return new Progress(builder.build());
  }

  public void stepTo(long done, String message) {
    bar.stepTo(done);
    bar.setExtraMessage(message.isEmpty() ? "" : "  " + message);
  }

  @Override
  public void close() {
    bar.close();
  }
}
