package io.igdstream.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The checkpoints of one run: {@code step-000001234.safetensors} files written atomically, the
 * newest {@code keep} kept. On resume the newest file that reads back whole is used; a damaged one
 * (a crash mid-write leaves at most a temp file, but disks lie) is reported and skipped.
 */
public final class CheckpointDirectory {

  private static final Pattern NAME = Pattern.compile("step-(\\d{9,})\\.safetensors");

  private final Path directory;
  private final int keep;

  public CheckpointDirectory(Path directory, int keep) {
    if (keep < 1) {
      throw new IllegalArgumentException("keep must be >= 1, was " + keep);
    }
    this.directory = directory;
    this.keep = keep;
  }

  public Path directory() {
    return directory;
  }

  /**
   * Checks that a checkpoint read from here belongs to this run: every {@code expected} metadata
   * value (architecture, shapes, method, seed, …) must match, else the error names the key and says
   * how to start a new run instead.
   */
  public void checkSameRun(Checkpoint checkpoint, Map<String, String> expected) {
    for (var e : expected.entrySet()) {
      String found = checkpoint.metadata().get(e.getKey());
      if (!e.getValue().equals(found)) {
        throw new CheckpointException(
            "checkpoint in "
                + directory
                + " is for "
                + e.getKey()
                + " "
                + found
                + ", this run needs "
                + e.getValue()
                + " (use another --out to start a new run)");
      }
    }
  }

  /** Writes the checkpoint of {@code step} and deletes all but the newest {@code keep}. */
  public Path save(Checkpoint checkpoint, long step) {
    try {
      Files.createDirectories(directory);
      Path file = directory.resolve(String.format("step-%09d.safetensors", step));
      checkpoint.write(file);
      // Files of later steps are stale once a run resumed from an earlier one (e.g. a damaged
      // newest file was skipped): drop them first, so pruning never removes the file just written.
      for (Path other : list()) {
        if (stepOf(other) > step) {
          Files.deleteIfExists(other);
        }
      }
      List<Path> all = list();
      for (int i = 0; i < all.size() - keep; i++) {
        Files.deleteIfExists(all.get(i));
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint in " + directory, e);
    }
  }

  /**
   * The newest checkpoint that reads back whole, if any; skipped damaged files go to {@code warn}.
   */
  public Optional<Checkpoint> latest(Consumer<String> warn) {
    List<Path> all = list();
    for (int i = all.size() - 1; i >= 0; i--) {
      try {
        return Optional.of(Checkpoint.read(all.get(i)));
      } catch (CheckpointException e) {
        warn.accept("skipping damaged checkpoint: " + e.getMessage());
      }
    }
    return Optional.empty();
  }

  /** Checkpoint files, oldest first. */
  List<Path> list() {
    if (!Files.isDirectory(directory)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(directory)) {
      List<Path> found = new ArrayList<>();
      files.filter(p -> NAME.matcher(p.getFileName().toString()).matches()).forEach(found::add);
      found.sort(Comparator.comparingLong(CheckpointDirectory::stepOf));
      return found;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + directory, e);
    }
  }

  private static long stepOf(Path file) {
    Matcher m = NAME.matcher(file.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalArgumentException(file.toString());
    }
    return Long.parseLong(m.group(1));
  }
}
