package io.igdstream.streams.corrupt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.igdstream.core.corruption.Corruptions;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code igd.corrupt}: reference.conf's defaults, "all", and one rejection per bad value. */
class CorruptSettingsTest {

  static final CorruptSettings DEFAULTS = CorruptSettings.fromConfig(ConfigFactory.load());

  @Test
  void referenceConfMakesEveryCorruptionAtEverySeverity() {
    assertEquals("corrupt", DEFAULTS.group());
    assertEquals(Corruptions.names(), DEFAULTS.corruptions());
    assertEquals(List.of(1, 2, 3, 4, 5), DEFAULTS.severities());
    assertEquals(45, DEFAULTS.outputsPerImage());
    assertTrue(DEFAULTS.parallelism() >= 1);
  }

  @Test
  void overridesAreReadFromConfig() {
    CorruptSettings s =
        CorruptSettings.fromConfig(
            ConfigFactory.parseString(
                    "igd.corrupt { group = g, parallelism = 3, corruptions = [contrast, gaussian_noise], severities = [5, 1], seed = 7 }")
                .withFallback(ConfigFactory.load()));
    assertEquals(
        new CorruptSettings("g", 3, List.of("contrast", "gaussian_noise"), List.of(5, 1), 7), s);
  }

  @Test
  void withCopiesChangeOneValue() {
    CorruptSettings s =
        DEFAULTS.withSeed(9).withParallelism(4).withSeverities(List.of(2)).withGroup("x");
    assertEquals(9, s.seed());
    assertEquals(4, s.parallelism());
    assertEquals(List.of(2), s.severities());
    assertEquals("x", s.group());
    assertEquals(DEFAULTS.corruptions(), s.corruptions());
  }

  @Test
  void rejectsParallelismBelowOne() {
    assertMessage(
        "igd.corrupt.parallelism: must be >= 1, was 0", () -> DEFAULTS.withParallelism(0));
  }

  @Test
  void rejectsSeverityOutsideOneToFive() {
    assertMessage(
        "igd.corrupt.severities: 7 is outside 1..5", () -> DEFAULTS.withSeverities(List.of(1, 7)));
    assertMessage(
        "igd.corrupt.severities: 0 is outside 1..5", () -> DEFAULTS.withSeverities(List.of(0)));
  }

  @Test
  void rejectsRepeatedSeverity() {
    assertMessage(
        "igd.corrupt.severities: 3 is listed twice", () -> DEFAULTS.withSeverities(List.of(3, 3)));
  }

  @Test
  void rejectsNoSeverities() {
    assertMessage(
        "igd.corrupt.severities: must list at least one severity in 1..5",
        () -> DEFAULTS.withSeverities(List.of()));
  }

  @Test
  void rejectsUnknownCorruptionNamingTheValidOnes() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> DEFAULTS.withCorruptions(List.of("fog")));
    assertTrue(
        e.getMessage()
            .startsWith(
                "igd.corrupt.corruptions: unknown corruption 'fog', valid names: gaussian_noise"),
        e.getMessage());
  }

  @Test
  void rejectsRepeatedCorruptionAlsoThroughAll() {
    assertMessage(
        "igd.corrupt.corruptions: contrast is listed twice",
        () -> DEFAULTS.withCorruptions(List.of("all", "contrast")));
  }

  @Test
  void rejectsNoCorruptions() {
    assertMessage(
        "igd.corrupt.corruptions: must name at least one corruption (or \"all\")",
        () -> DEFAULTS.withCorruptions(List.of()));
  }

  @Test
  void rejectsEmptyGroup() {
    assertMessage("igd.corrupt.group: must not be empty", () -> DEFAULTS.withGroup(" "));
  }

  @Test
  void rejectsWrongTypeNamingTheKey() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                CorruptSettings.fromConfig(
                    ConfigFactory.parseString("igd.corrupt.parallelism = many")
                        .withFallback(ConfigFactory.load())));
    assertTrue(e.getMessage().contains("igd.corrupt.parallelism"), e.getMessage());
  }

  private static void assertMessage(
      String expected, org.junit.jupiter.api.function.Executable action) {
    assertEquals(expected, assertThrows(IllegalArgumentException.class, action).getMessage());
  }
}
