package io.igdstream.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A clone of igd-stream is all a user gets, so nothing in it may point outside it: no path into a
 * shared folder beside the clone, no citation of the design, protocol or stack notes other than the
 * copies under docs/, no relative markdown link to a file that is not there. Every top-level entry
 * of {@link #SCOPE} is checked, app/, docker/ and k8s/ included; failures name file:line.
 */
class RepositoryStandsAloneTest {

  /** The top-level entries checked: every directory and document of the repository. */
  static final List<String> SCOPE =
      List.of(
          ".ci",
          ".gitignore",
          "CHANGELOG.md",
          "README.md",
          "app",
          "bin",
          "clients",
          "core",
          "docker",
          "docs",
          "k8s",
          "pom.xml",
          "schemas",
          "streams",
          "trainer");

  /** Directory names skipped at any depth: build output, the VCS, run outputs. */
  static final Set<String> EXCLUDED = Set.of("target", ".git", "runs", ".idea", ".vscode");

  /** File kinds read, by name suffix; also Dockerfile* and extensionless scripts (#!). */
  static final List<String> SUFFIXES =
      List.of(
          ".java", ".md", ".conf", ".yaml", ".yml", ".sh", ".xml", ".properties", ".avsc", ".py");

  // Built from pieces so that this file does not match its own patterns.
  private static final String SHARED = "shar" + "ed";
  private static final Pattern SHARED_PATH =
      Pattern.compile("(^|[^A-Za-z0-9_.-])" + SHARED + "/|\\.\\./" + SHARED + "\\b");
  private static final Pattern OUTSIDE_NOTE =
      Pattern.compile("\\b(AUTO" + "ATTACK|STY" + "LE)\\.md");
  private static final Pattern OWN_NOTE =
      Pattern.compile("\\b(DES" + "IGN|ST" + "ACK|PROT" + "OCOL)\\.md");
  private static final Pattern LINK =
      Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)(\\s+\"[^\"]*\")?\\)");
  private static final Pattern CODE_SPAN = Pattern.compile("`[^`]*`");

  @Test
  void theCheckerFlagsEveryKindOfOutsideReferenceAndAcceptsTheDocsCopies() {
    String design = "DES" + "IGN.md";
    String stack = "ST" + "ACK.md";
    List<String> lines =
        List.of(
            "see ../" + SHARED + "/" + design, // 1: shared path
            "// " + design + " \"Data flow\"", // 2: bare citation outside docs/
            "(docs/" + stack + ", \"Double backprop\")", // 3: fine
            "the " + "AUTO" + "ATTACK.md spec", // 4: a note that stays outside
            "/work/" + SHARED + "/x", // 5: absolute shared path
            "KAFKA_LISTENER_SECURITY_PROT" + "OCOL_MAP: x", // 6: fine, not a document
            "kafka-" + SHARED + "-utils", // 7: fine, not a path
            "old/" + stack); // 8: a path that is not docs/
    List<String> problems = referenceProblems("core/X.java", lines);
    assertEquals(5, problems.size(), String.join("\n", problems));
    assertTrue(problems.get(0).startsWith("core/X.java:1:"), problems.get(0));
    assertTrue(problems.get(1).startsWith("core/X.java:2:"), problems.get(1));
    assertTrue(problems.get(2).startsWith("core/X.java:4:"), problems.get(2));
    assertTrue(problems.get(3).startsWith("core/X.java:5:"), problems.get(3));
    assertTrue(problems.get(4).startsWith("core/X.java:8:"), problems.get(4));
    // Inside docs/ the notes are siblings: a bare name is the docs/ copy.
    assertEquals(
        List.of(), referenceProblems("docs/ROLES.md", List.of("[" + stack + "](" + stack + ")")));
  }

  @Test
  void theCheckerFlagsRelativeLinksThatDoNotResolveOrLeaveTheRepository(@TempDir Path root)
      throws IOException {
    Files.createDirectories(root.resolve("docs"));
    Files.writeString(root.resolve("docs/A.md"), "a");
    Files.writeString(root.resolve("README.md"), "r");
    List<String> lines =
        List.of(
            "[a](docs/A.md) [a with anchor](docs/A.md#part) [web](https://example.org/x.md)",
            "[missing](docs/B.md)", // 2
            "```",
            "[in a code block](nowhere.md)",
            "```",
            "`[in a code span](nowhere.md)` [outside](../elsewhere/C.md)", // 6
            "[anchor only](#section) [mail](mailto:a@b.c)");
    List<String> problems = linkProblems(root, root.resolve("README.md"), lines);
    assertEquals(2, problems.size(), String.join("\n", problems));
    assertTrue(problems.get(0).startsWith("README.md:2:"), problems.get(0));
    assertTrue(problems.get(1).startsWith("README.md:6:"), problems.get(1));
    assertEquals(
        List.of(),
        linkProblems(root, root.resolve("docs/A.md"), List.of("[up](../README.md) [me](A.md)")));
  }

  @Test
  void nothingInTheRepositoryRefersOutsideIt() throws IOException {
    Path root = repositoryRoot();
    List<String> problems = new ArrayList<>();
    for (Path file : filesInScope(root)) {
      problems.addAll(referenceProblems(relative(root, file), readLines(file)));
    }
    assertTrue(
        problems.isEmpty(),
        problems.size()
            + " references outside the repository (cite docs/DESIGN.md, docs/PROTOCOL.md or"
            + " docs/STACK.md instead):\n"
            + String.join("\n", problems));
  }

  @Test
  void everyRelativeMarkdownLinkResolvesToAFileInTheRepository() throws IOException {
    Path root = repositoryRoot();
    List<String> problems = new ArrayList<>();
    for (Path file : filesInScope(root)) {
      if (file.getFileName().toString().endsWith(".md")) {
        problems.addAll(linkProblems(root, file, readLines(file)));
      }
    }
    assertTrue(
        problems.isEmpty(), problems.size() + " broken links:\n" + String.join("\n", problems));
  }

  @Test
  void everyTopLevelEntryIsCheckedOrExcluded() throws IOException {
    Path root = repositoryRoot();
    Set<String> unknown = new TreeSet<>();
    try (Stream<Path> entries = Files.list(root)) {
      entries
          .map(p -> p.getFileName().toString())
          .filter(name -> !SCOPE.contains(name) && !EXCLUDED.contains(name))
          .forEach(unknown::add);
    }
    assertTrue(
        unknown.isEmpty(),
        "top-level entries neither in SCOPE nor EXCLUDED of this test (add them): " + unknown);
  }

  /** file:line: reason: text for every line of {@code path} that points outside the repository. */
  static List<String> referenceProblems(String path, List<String> lines) {
    boolean inDocs = path.startsWith("docs/");
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      String where = path + ":" + (i + 1) + ": ";
      if (SHARED_PATH.matcher(line).find()) {
        problems.add(where + "a path into a folder outside the repository: " + line.strip());
        continue;
      }
      if (OUTSIDE_NOTE.matcher(line).find()) {
        problems.add(where + "cites a note that is not in the repository: " + line.strip());
        continue;
      }
      Matcher own = OWN_NOTE.matcher(line);
      while (own.find()) {
        String before = line.substring(0, own.start());
        boolean docsCopy =
            before.endsWith("docs/") || (inDocs && !before.endsWith("/") && !before.endsWith("\\"));
        if (!docsCopy) {
          problems.add(
              where + "cites " + own.group() + " not as docs/" + own.group() + ": " + line.strip());
          break;
        }
      }
    }
    return problems;
  }

  /** file:line: target for every relative markdown link that does not name a repository file. */
  static List<String> linkProblems(Path root, Path file, List<String> lines) {
    List<String> problems = new ArrayList<>();
    boolean fenced = false;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.strip().startsWith("```")) {
        fenced = !fenced;
        continue;
      }
      if (fenced) {
        continue;
      }
      Matcher link = LINK.matcher(CODE_SPAN.matcher(line).replaceAll(""));
      while (link.find()) {
        String target = link.group(1);
        if (target.contains("://") || target.startsWith("mailto:") || target.startsWith("#")) {
          continue;
        }
        int hash = target.indexOf('#');
        String pathPart =
            URLDecoder.decode(
                hash < 0 ? target : target.substring(0, hash), StandardCharsets.UTF_8);
        Path resolved = file.getParent().resolve(pathPart).normalize();
        String where = relative(root, file) + ":" + (i + 1) + ": ";
        if (!resolved.startsWith(root.normalize())) {
          problems.add(where + "links outside the repository: " + target);
        } else if (!Files.exists(resolved)) {
          problems.add(where + "links to a missing file: " + target);
        }
      }
    }
    return problems;
  }

  /** Every readable file of the kinds in {@link #SUFFIXES} under the entries of {@link #SCOPE}. */
  static List<Path> filesInScope(Path root) throws IOException {
    List<Path> files = new ArrayList<>();
    for (String entry : SCOPE) {
      Path top = root.resolve(entry);
      if (!Files.exists(top)) {
        continue;
      }
      try (Stream<Path> walk = Files.walk(top)) {
        walk.filter(Files::isRegularFile)
            .filter(p -> !excluded(top, p))
            .filter(RepositoryStandsAloneTest::readable)
            .sorted()
            .forEach(files::add);
      }
    }
    return files;
  }

  private static boolean excluded(Path top, Path file) {
    for (Path part : top.relativize(file)) {
      if (EXCLUDED.contains(part.toString())) {
        return true;
      }
    }
    return false;
  }

  private static boolean readable(Path file) {
    String name = file.getFileName().toString();
    String lower = name.toLowerCase(Locale.ROOT);
    if (SUFFIXES.stream().anyMatch(lower::endsWith) || name.startsWith("Dockerfile")) {
      return true;
    }
    if (name.contains(".")) {
      return false;
    }
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return !lines.isEmpty() && lines.get(0).startsWith("#!");
    } catch (MalformedInputException e) {
      return false; // binary
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> readLines(Path file) throws IOException {
    return Files.readAllLines(file, StandardCharsets.UTF_8);
  }

  private static String relative(Path root, Path file) {
    return root.relativize(file).toString().replace('\\', '/');
  }

  /** The repository root: the nearest directory at or above this module with the module poms. */
  static Path repositoryRoot() {
    Path dir =
        Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("pom.xml"))
          && Files.isRegularFile(d.resolve("core/pom.xml"))
          && Files.isRegularFile(d.resolve("schemas/pom.xml"))) {
        return d;
      }
    }
    throw new IllegalStateException("no repository root above " + dir);
  }
}
