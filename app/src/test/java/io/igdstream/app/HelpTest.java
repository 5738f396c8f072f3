package io.igdstream.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.igdstream.app.cli.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class HelpTest {

  /** What {@code igd args...} prints on standard output. */
  private static String stdout(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8)) {
      System.setOut(o);
      code = IgdCommand.execute(args);
    } finally {
      System.setOut(old);
    }
    assertEquals(ExitCode.OK, code);
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The lines of the usage's "Commands:" section. */
  private static List<String> commandLines(String usage) {
    List<String> lines = new ArrayList<>();
    boolean inside = false;
    for (String line : usage.split("\\R")) {
      if (line.equals("Commands:")) {
        inside = true;
      } else if (inside && line.isBlank()) {
        break;
      } else if (inside) {
        lines.add(line);
      }
    }
    return lines;
  }

  /**
   * Every line of the listing is one subcommand's name and its whole one-line header: a description
   * cut at the column's end, or wrapped onto a second line, fails.
   */
  private static void assertListsHeadersWhole(String usage, CommandLine command) {
    Map<String, String> headers = new LinkedHashMap<>();
    command
        .getSubcommands()
        .forEach(
            (name, sub) -> {
              String[] header = sub.getCommandSpec().usageMessage().header();
              assertEquals(1, header.length, name + " has a header of one line");
              assertFalse(header[0].isBlank(), name + " has a header");
              headers.put(name, header[0]);
            });
    List<String> lines = commandLines(usage);
    assertEquals(headers.size(), lines.size(), "one line per subcommand:\n" + usage);
    for (String line : lines) {
      String[] parts = line.trim().split("\\s+", 2);
      assertTrue(headers.containsKey(parts[0]), "a listed subcommand: " + line);
      assertEquals(
          headers.get(parts[0]), parts.length > 1 ? parts[1] : "", "listed whole: " + line);
    }
  }

  @Test
  void topLevelHelpListsEverySubcommandWithItsWholeHeader() {
    String usage = stdout("--help");
    assertListsHeadersWhole(usage, new CommandLine(new IgdCommand()));
    assertTrue(usage.contains("augment"), usage);
  }

  @Test
  void benchHelpListsEveryBenchmarkWithItsWholeHeader() {
    assertListsHeadersWhole(
        stdout("bench", "--help"), new CommandLine(new IgdCommand()).getSubcommands().get("bench"));
  }
}
