package io.igdstream.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/igd's first build, in a copy of the launcher with a stand-in {@code mvn} and {@code java} on
 * the PATH: the offline attempt's errors stay hidden, a failed build shows Maven's output.
 */
class LauncherTest {

  private static final String OFFLINE_ERROR = "[ERROR] offline: an artifact is not in ~/.m2";

  /** What bin/igd printed, and how it ended. */
  private record Run(int exitCode, String out, String err) {}

  /** A copy of bin/igd under {@code root}, and a tools directory with {@code mvn} and java. */
  private static Path launcher(Path root, String mvn) throws IOException {
    Path igd = Files.createDirectories(root.resolve("bin")).resolve("igd");
    Files.copy(DeployFiles.root().resolve("bin/igd"), igd);
    Path tools = Files.createDirectories(root.resolve("tools"));
    script(tools.resolve("mvn"), mvn);
    script(tools.resolve("java"), "echo \"java ran: $*\"\n");
    igd.toFile().setExecutable(true);
    return igd;
  }

  private static void script(Path file, String body) throws IOException {
    Files.writeString(file, "#!/usr/bin/env bash\n" + body, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(
        file,
        Set.of(
            java.nio.file.attribute.PosixFilePermission.OWNER_READ,
            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE,
            java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE));
  }

  private static Run run(Path root, Path igd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(List.of("bash", igd.toString(), "--version"));
    pb.environment()
        .put("PATH", root.resolve("tools") + ":" + System.getenv().getOrDefault("PATH", ""));
    pb.environment().put("TMPDIR", Files.createDirectories(root.resolve("tmp")).toString());
    Path out = root.resolve("out.txt");
    Path err = root.resolve("err.txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "bin/igd ends");
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  @Test
  void aFirstBuildThatNeedsTheNetworkPrintsOneLineAndNoMavenErrors(@TempDir Path root)
      throws Exception {
    // offline fails as on a fresh machine; online builds the jar
    Path igd =
        launcher(
            root,
            "case \" $* \" in *\" -o \"*) echo '"
                + OFFLINE_ERROR
                + "'; echo '[ERROR] offline' >&2; exit 1;; esac\n"
                + "mkdir -p app/target && echo jar > app/target/igd.jar\n");

    Run first = run(root, igd);

    assertEquals(0, first.exitCode(), first.toString());
    assertEquals(1, first.err().lines().count(), first.err());
    assertTrue(first.err().startsWith("igd: building "), first.err());
    assertFalse(first.out().contains("[ERROR]"), first.out());
    assertTrue(first.out().startsWith("java ran: "), first.out());
    try (var leftovers = Files.list(root.resolve("tmp"))) {
      assertEquals(0, leftovers.count(), "the build log is removed");
    }

    Run second = run(root, igd); // the jar is fresh now: no build
    assertEquals("", second.err());
    assertTrue(second.out().startsWith("java ran: "), second.out());
  }

  @Test
  void aBuildThatFailsShowsMavensOutputAndStops(@TempDir Path root) throws Exception {
    Path igd =
        launcher(root, "echo '[ERROR] COMPILATION ERROR: Foo.java:[3,1] class expected'\nexit 1\n");

    Run r = run(root, igd);

    assertEquals(1, r.exitCode(), r.toString());
    assertTrue(r.err().contains("[ERROR] COMPILATION ERROR: Foo.java:[3,1]"), r.err());
    assertTrue(r.err().contains("igd: the build failed"), r.err());
    assertFalse(r.out().contains("java ran"), "nothing runs without a jar: " + r.out());
  }
}
