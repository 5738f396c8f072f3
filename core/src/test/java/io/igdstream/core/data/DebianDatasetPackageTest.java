package io.igdstream.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DebianDatasetPackageTest {
  @TempDir Path tmp;

  /** Records commands; each run returns the next exit code and may install the files. */
  private static final class FakeHost implements DebianDatasetPackage.Host {
    final boolean root;
    final boolean apt;
    final List<Integer> exits;
    final Path installInto;
    final List<List<String>> commands = new ArrayList<>();

    FakeHost(boolean root, boolean apt, Path installInto, Integer... exits) {
      this.root = root;
      this.apt = apt;
      this.installInto = installInto;
      this.exits = new ArrayList<>(List.of(exits));
    }

    @Override
    public boolean isRoot() {
      return root;
    }

    @Override
    public boolean hasAptGet() {
      return apt;
    }

    @Override
    public int run(List<String> command, Consumer<String> output) {
      commands.add(command);
      output.accept("fake output");
      int exit = exits.remove(0);
      if (exit == 0 && installInto != null && command.equals(DebianDatasetPackage.INSTALL)) {
        Fixtures.idxDirectory(installInto, new int[] {1, 2}, new int[] {3});
      }
      return exit;
    }
  }

  private Path ensure(Path dataDir, Path defaultDir, FakeHost host, List<String> log) {
    return DebianDatasetPackage.ensureFashionMnist(dataDir, log::add, defaultDir, host);
  }

  @Test
  void givenDataDirIsUsedAsIs() {
    FakeHost host = new FakeHost(true, true, null);
    Path given = tmp.resolve("mine");
    assertEquals(given, ensure(given, tmp.resolve("default"), host, new ArrayList<>()));
    assertTrue(host.commands.isEmpty());
  }

  @Test
  void defaultDirWithTheFourFilesIsUsedWithoutInstalling() {
    Path def = Fixtures.idxDirectory(tmp.resolve("default"), new int[] {0}, new int[] {0});
    FakeHost host = new FakeHost(true, true, null);
    assertEquals(def, ensure(null, def, host, new ArrayList<>()));
    assertTrue(host.commands.isEmpty());
  }

  @Test
  void withoutRootOrAptGetTheUserIsToldWhatToRun() {
    Path def = tmp.resolve("default");
    for (FakeHost host : List.of(new FakeHost(false, true, def), new FakeHost(true, false, def))) {
      DatasetException e =
          assertThrows(DatasetException.class, () -> ensure(null, def, host, new ArrayList<>()));
      assertEquals(
          "Fashion-MNIST not found in "
              + def
              + "; install it with: sudo apt-get install dataset-fashion-mnist"
              + " (or pass --data-dir DIR)",
          e.getMessage());
      assertTrue(host.commands.isEmpty());
    }
  }

  @Test
  void asRootWithAptGetThePackageIsInstalledAndLogged() {
    Path def = tmp.resolve("default");
    FakeHost host = new FakeHost(true, true, def, 0);
    List<String> log = new ArrayList<>();
    assertEquals(def, ensure(null, def, host, log));
    assertEquals(
        List.of(List.of("apt-get", "install", "-y", "dataset-fashion-mnist")), host.commands);
    assertTrue(log.get(0).contains("running: apt-get install -y dataset-fashion-mnist"));
    assertTrue(log.contains("fake output"));
  }

  @Test
  void failedInstallUpdatesPackageListsAndRetriesOnce() {
    Path def = tmp.resolve("default");
    FakeHost host = new FakeHost(true, true, def, 100, 0, 0);
    assertEquals(def, ensure(null, def, host, new ArrayList<>()));
    assertEquals(
        List.of(
            DebianDatasetPackage.INSTALL,
            DebianDatasetPackage.UPDATE,
            DebianDatasetPackage.INSTALL),
        host.commands);
  }

  @Test
  void installThatKeepsFailingReportsTheExitCode() {
    Path def = tmp.resolve("default");
    FakeHost host = new FakeHost(true, true, def, 100, 0, 100);
    DatasetException e =
        assertThrows(DatasetException.class, () -> ensure(null, def, host, new ArrayList<>()));
    assertEquals(
        "apt-get install -y dataset-fashion-mnist: failed with exit code 100;"
            + " install it by hand or pass --data-dir DIR",
        e.getMessage());
  }

  @Test
  void installWithoutTheExpectedFilesIsReported() {
    Path def = tmp.resolve("default");
    FakeHost host = new FakeHost(true, true, null, 0);
    DatasetException e =
        assertThrows(DatasetException.class, () -> ensure(null, def, host, new ArrayList<>()));
    assertEquals(
        def + ": dataset-fashion-mnist installed but the four IDX files are missing",
        e.getMessage());
  }
}
