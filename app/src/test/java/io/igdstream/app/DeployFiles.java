package io.igdstream.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Shared by the Deploy*Test classes: the repository's deploy files and the CLI they must match. */
final class DeployFiles {

  private DeployFiles() {}

  /** One YAML document of a file. */
  record Doc(Path file, int index, String text, Map<String, Object> tree) {
    @Override
    public String toString() {
      return root().relativize(file) + "#" + index;
    }
  }

  /** The repository root: the directory above app/ holding k8s/ and docker/. */
  static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null
        && !(Files.isDirectory(p.resolve("k8s")) && Files.isDirectory(p.resolve("docker")))) {
      p = p.getParent();
    }
    assertNotNull(p, "no k8s/ and docker/ above " + Path.of("").toAbsolutePath());
    return p;
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Path> yamlFiles(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every non-empty document of a YAML file, parsed (fails the test on a syntax error). */
  @SuppressWarnings("unchecked")
  static List<Doc> docs(Path file) {
    String text = read(file);
    String[] parts = text.split("(?m)^---\\s*$");
    List<Doc> docs = new ArrayList<>();
    for (int i = 0; i < parts.length; i++) {
      Object tree;
      try {
        tree = new Load(LoadSettings.builder().build()).loadFromString(parts[i]);
      } catch (RuntimeException e) {
        throw new AssertionError(file + " document " + i + " does not parse: " + e.getMessage(), e);
      }
      if (tree == null) {
        continue;
      }
      assertTrue(tree instanceof Map, file + " document " + i + " is not a mapping");
      docs.add(new Doc(file, i, parts[i], (Map<String, Object>) tree));
    }
    return docs;
  }

  static List<Doc> k8sDocs() {
    return yamlFiles(root().resolve("k8s")).stream().flatMap(f -> docs(f).stream()).toList();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o, String what) {
    assertTrue(o instanceof Map, what + " is not a mapping: " + o);
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o, String what) {
    assertTrue(o instanceof List, what + " is not a list: " + o);
    return (List<Object>) o;
  }

  /** The value at a dotted path of mappings, or null. */
  static Object at(Map<String, Object> tree, String path) {
    Object o = tree;
    for (String k : path.split("\\.")) {
      if (!(o instanceof Map<?, ?> m)) {
        return null;
      }
      o = m.get(k);
    }
    return o;
  }

  static CommandLine cli() {
    return new CommandLine(new IgdCommand());
  }

  /**
   * Checks a command line meant for the {@code igd} entrypoint: its first words name a real
   * (sub)command, every {@code --option} exists on it, and picocli parses the whole line (required
   * options present, values of the right type).
   */
  static void checkIgdArgs(List<String> args, String where) {
    assertTrue(!args.isEmpty(), where + ": no arguments");
    CommandLine cmd = cli();
    int i = 0;
    while (i < args.size()
        && !args.get(i).startsWith("-")
        && cmd.getSubcommands().containsKey(args.get(i))) {
      cmd = cmd.getSubcommands().get(args.get(i));
      i++;
    }
    if (i == 0) {
      fail(
          where
              + ": '"
              + args.get(0)
              + "' is not an igd subcommand; igd has "
              + cli().getSubcommands().keySet());
    }
    CommandSpec spec = cmd.getCommandSpec();
    for (String a : args.subList(i, args.size())) {
      if (a.startsWith("--")) {
        String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
        OptionSpec option = spec.findOption(name);
        if (option == null) {
          fail(
              where
                  + ": igd "
                  + spec.qualifiedName(" ").replaceFirst("^igd ", "")
                  + " has no option "
                  + name);
        }
      }
    }
    try {
      cli().parseArgs(args.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      fail(where + ": igd " + String.join(" ", args) + " does not parse: " + e.getMessage());
    }
  }

  static List<String> strings(Object o, String what) {
    return list(o, what).stream().map(String::valueOf).toList();
  }

  /** The value after {@code option} in args, or null. */
  static String optionValue(List<String> args, String option) {
    int i = args.indexOf(option);
    return i < 0 || i + 1 >= args.size() ? null : args.get(i + 1);
  }

  static void assertSame(Object expected, Object actual, String what) {
    assertEquals(String.valueOf(expected), String.valueOf(actual), what);
  }
}
