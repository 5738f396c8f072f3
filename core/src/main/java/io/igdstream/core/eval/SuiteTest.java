package io.igdstream.core.eval;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/** The tests of the robustness suite (docs/PROTOCOL.md §2), by their command-line names. */
public enum SuiteTest {
  CLEAN("clean"),
  PGD("pgd"),
  GINI("gini"),
  INA("ina"),
  RN("rn"),
  IOA("ioa"),
  CORRUPTIONS("corruptions"),
  AUTOATTACK("autoattack");

  private final String id;

  SuiteTest(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  /** Parses a comma-separated list such as {@code clean,pgd,gini}; clean is always included. */
  public static Set<SuiteTest> parse(String csv) {
    Set<SuiteTest> tests = EnumSet.of(CLEAN);
    for (String name : csv.split(",")) {
      String trimmed = name.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      tests.add(
          Arrays.stream(values())
              .filter(t -> t.id.equals(trimmed))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "unknown test '"
                              + trimmed
                              + "', expected some of "
                              + Arrays.stream(values())
                                  .map(SuiteTest::id)
                                  .collect(Collectors.joining(",")))));
    }
    return tests;
  }

  public static String all() {
    return Arrays.stream(values()).map(SuiteTest::id).collect(Collectors.joining(","));
  }
}
