package io.igdstream.app.console;

import io.igdstream.core.eval.RobustnessSuite;
import java.util.List;

/**
 * The progress of a robustness suite run: one {@link Progress} per task (a test of a model), each
 * counting that task's images from 0 to its total, so that no bar jumps between tasks.
 *
 * <p>The suite reports {@code clean} and the attack of each model in turn, then each model's subset
 * tests under a name of their own; the n-th {@code clean} task starts the n-th model, which names
 * the clean and attack tasks when there is more than one model.
 */
public final class SuiteProgress implements RobustnessSuite.Progress, AutoCloseable {

  private final String prefix;
  private final List<String> models;
  private final Log log;
  private Progress bar;
  private String test;
  private long lastDone;
  private int model = -1;

  /** Progress of {@code models} (their ids, in the suite's order), each task named after prefix. */
  public SuiteProgress(String prefix, List<String> models, Log log) {
    this.prefix = prefix;
    this.models = List.copyOf(models);
    this.log = log;
  }

  @Override
  public synchronized void update(String name, long done, long total) {
    if (bar == null || !name.equals(test) || done < lastDone) {
      if (bar != null) {
        bar.close();
      }
      if (name.equals("clean")) {
        model++;
      }
      test = name;
      bar = Progress.start(label(name), total, 0, "img", log);
    }
    lastDone = done;
    bar.stepTo(done, "");
  }

  private String label(String name) {
    boolean perModel = !name.endsWith(" subset tests");
    String subject =
        perModel && models.size() > 1 && model >= 0 && model < models.size()
            ? models.get(model) + " " + name
            : name;
    return prefix.isEmpty() ? subject : prefix + ": " + subject;
  }

  @Override
  public synchronized void close() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }
}
