package io.igdstream.streams.corrupt;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.igdstream.core.corruption.Corruptions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of the corrupt worker ({@code igd.corrupt} in reference.conf, where every key is
 * documented). Validated at construction, so a bad value fails the worker before it joins its
 * consumer group; messages name the key.
 *
 * @param group consumer group name within the topic prefix (the stage joins {@code
 *     <prefix>.<group>})
 * @param parallelism images corrupted concurrently, >= 1
 * @param corruptions ImageNet-C names, in output order; {@code "all"} stands for every name of
 *     {@link Corruptions#names()} and is expanded here
 * @param severities severities to make, each in 1..5, in output order
 * @param seed run seed of the noise corruptions' draws
 */
public record CorruptSettings(
    String group, int parallelism, List<String> corruptions, List<Integer> severities, long seed) {

  /** Stands for every corruption of {@link Corruptions#names()}. */
  public static final String ALL = "all";

  private static final String KEY = "igd.corrupt";

  public CorruptSettings {
    if (group == null || group.isBlank()) {
      throw new IllegalArgumentException(KEY + ".group: must not be empty");
    }
    if (parallelism < 1) {
      throw new IllegalArgumentException(KEY + ".parallelism: must be >= 1, was " + parallelism);
    }
    corruptions = expand(Objects.requireNonNull(corruptions, KEY + ".corruptions"));
    severities = checkSeverities(Objects.requireNonNull(severities, KEY + ".severities"));
  }

  /** Reads and validates {@code igd.corrupt} of {@code root}. */
  public static CorruptSettings fromConfig(Config root) {
    try {
      // full paths, so that Config's own errors (missing key, wrong type) name the key too
      return new CorruptSettings(
          root.getString(KEY + ".group"),
          root.getInt(KEY + ".parallelism"),
          root.getStringList(KEY + ".corruptions"),
          root.getIntList(KEY + ".severities"),
          root.getLong(KEY + ".seed"));
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** Records each test image turns into: corruptions × severities. */
  public int outputsPerImage() {
    return corruptions.size() * severities.size();
  }

  public CorruptSettings withGroup(String newGroup) {
    return new CorruptSettings(newGroup, parallelism, corruptions, severities, seed);
  }

  public CorruptSettings withParallelism(int newParallelism) {
    return new CorruptSettings(group, newParallelism, corruptions, severities, seed);
  }

  public CorruptSettings withCorruptions(List<String> newCorruptions) {
    return new CorruptSettings(group, parallelism, newCorruptions, severities, seed);
  }

  public CorruptSettings withSeverities(List<Integer> newSeverities) {
    return new CorruptSettings(group, parallelism, corruptions, newSeverities, seed);
  }

  public CorruptSettings withSeed(long newSeed) {
    return new CorruptSettings(group, parallelism, corruptions, severities, newSeed);
  }

  private static List<String> expand(List<String> names) {
    String key = KEY + ".corruptions";
    if (names.isEmpty()) {
      throw new IllegalArgumentException(
          key + ": must name at least one corruption (or \"" + ALL + "\")");
    }
    List<String> expanded = new ArrayList<>();
    for (String name : names) {
      if (ALL.equals(name)) {
        expanded.addAll(Corruptions.names());
      } else if (Corruptions.names().contains(name)) {
        expanded.add(name);
      } else {
        throw new IllegalArgumentException(
            key
                + ": unknown corruption '"
                + name
                + "', valid names: "
                + String.join(", ", Corruptions.names())
                + " or "
                + ALL);
      }
    }
    Set<String> seen = new HashSet<>();
    for (String name : expanded) {
      if (!seen.add(name)) {
        // a repeated corruption would write every record of it twice under the same key
        throw new IllegalArgumentException(key + ": " + name + " is listed twice");
      }
    }
    return List.copyOf(expanded);
  }

  private static List<Integer> checkSeverities(List<Integer> severities) {
    String key = KEY + ".severities";
    if (severities.isEmpty()) {
      throw new IllegalArgumentException(key + ": must list at least one severity in 1..5");
    }
    Set<Integer> seen = new HashSet<>();
    for (Integer severity : severities) {
      if (severity == null || severity < 1 || severity > 5) {
        throw new IllegalArgumentException(key + ": " + severity + " is outside 1..5");
      }
      if (!seen.add(severity)) {
        throw new IllegalArgumentException(key + ": " + severity + " is listed twice");
      }
    }
    return List.copyOf(severities);
  }
}
