package io.igdstream.app;

import static io.igdstream.app.DeployFiles.map;
import static io.igdstream.app.DeployFiles.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.igdstream.app.cli.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docker/ checked offline (no Docker engine here): build context, entrypoint, commands, compose.
 */
class DeployDockerTest {

  static final Path ROOT = DeployFiles.root();

  /** Dockerfile instructions with continuation lines joined, comments dropped. */
  static List<String> instructions(Path dockerfile) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String line : DeployFiles.read(dockerfile).split("\\R")) {
      String t = line.strip();
      if (t.startsWith("#") || (t.isEmpty() && cur.isEmpty())) {
        continue;
      }
      if (t.endsWith("\\")) {
        cur.append(t, 0, t.length() - 1).append(' ');
      } else {
        cur.append(t);
        if (!cur.isEmpty()) {
          out.add(cur.toString());
        }
        cur.setLength(0);
      }
    }
    return out;
  }

  /**
   * The sources of every COPY without --from (relative to the build context, the repository root).
   */
  static List<String> copySources(List<String> instructions) {
    List<String> sources = new ArrayList<>();
    for (String i : instructions) {
      if (i.startsWith("COPY ") && !i.contains("--from=")) {
        List<String> words = new ArrayList<>(Arrays.asList(i.substring(5).trim().split("\\s+")));
        words.removeIf(w -> w.startsWith("--"));
        sources.addAll(words.subList(0, words.size() - 1));
      }
    }
    return sources;
  }

  /** Every `igd SUBCOMMAND ...` a RUN instruction runs, split into words. */
  static List<List<String>> igdRuns(List<String> instructions) {
    List<List<String>> runs = new ArrayList<>();
    Pattern p = Pattern.compile("(?:^|&&|;|\\|\\|)\\s*(?:[A-Z_]+=\\S+\\s+)*igd\\s+([^&;|]+)");
    for (String i : instructions) {
      if (i.startsWith("RUN ")) {
        Matcher m = p.matcher(i.substring(4));
        while (m.find()) {
          runs.add(Arrays.asList(m.group(1).trim().split("\\s+")));
        }
      }
    }
    return runs;
  }

  @ParameterizedTest
  @ValueSource(strings = {"Dockerfile", "Dockerfile.cuda"})
  void dockerfileIsBuildableFromTheRepository(String name) {
    List<String> ins = instructions(ROOT.resolve("docker").resolve(name));
    List<String> sources = copySources(ins);
    assertTrue(
        sources.containsAll(List.of("pom.xml", "app", "docker/igd")),
        name + " copies the build and the entrypoint: " + sources);
    for (String s : sources) {
      assertTrue(
          Files.exists(ROOT.resolve(s)), name + ": COPY " + s + " is not in the build context");
    }
    // every reactor module is copied, or the Maven build stage fails
    String pom = DeployFiles.read(ROOT.resolve("pom.xml"));
    Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(pom);
    while (m.find()) {
      assertTrue(sources.contains(m.group(1)), name + " does not COPY module " + m.group(1));
    }
    // the build stage's base is an argument whose public default is the Maven image
    assertTrue(
        ins.stream().anyMatch(i -> i.equals("ARG BUILD_IMAGE=maven:3-eclipse-temurin-17")),
        name + ": BUILD_IMAGE argument with the public Maven image as its default");
    assertTrue(
        ins.stream().anyMatch(i -> i.matches("FROM \\$\\{BUILD_IMAGE\\} AS build")),
        name + ": Maven build stage on BUILD_IMAGE");
    assertTrue(
        ins.stream().anyMatch(i -> i.startsWith("RUN mvn -B -DskipTests package")),
        name + ": builds the fat jar");
    assertTrue(
        ins.contains("COPY --from=build /src/app/target/igd.jar /opt/igd/igd.jar"),
        name + ": the jar the entrypoint runs");
    assertTrue(ins.contains("ENTRYPOINT [\"igd\"]"), name + ": entrypoint igd");
    assertTrue(
        ins.stream().anyMatch(i -> i.startsWith("HEALTHCHECK ") && i.contains("igd-healthcheck")),
        name + ": healthcheck");
    assertTrue(ins.contains("USER 10001:10001"), name + ": non-root user");
    assertTrue(
        ins.stream().anyMatch(i -> i.startsWith("ENV ") && i.contains("DJL_CACHE_DIR=/opt/djl")),
        name + ": fixed DJL cache");
    List<List<String>> runs = igdRuns(ins);
    assertFalse(runs.isEmpty(), name + ": natives extracted at build time by an igd command");
    for (List<String> r : runs) {
      DeployFiles.checkIgdArgs(r, name + " RUN igd");
      assertFalse(
          r.contains("--help") || r.contains("-h"), name + ": --help never loads the engine: " + r);
    }
  }

  @Test
  void theBuildTimeCommandLoadsTheEngine() {
    // bench step creates models and runs a step: the only engine-loading command needing neither
    // Kafka nor data
    List<List<String>> runs = igdRuns(instructions(ROOT.resolve("docker/Dockerfile")));
    assertEquals(List.of("bench", "step"), runs.get(0).subList(0, 2));
  }

  @Test
  void theChecksCanFail() {
    List<String> ins = List.of("COPY pom.xml no-such-dir ./", "RUN igd bench stepp --steps 1");
    assertTrue(copySources(ins).stream().anyMatch(s -> !Files.exists(ROOT.resolve(s))));
    DeployManifestsTest.assertThrowsAssertion(
        () -> DeployFiles.checkIgdArgs(igdRuns(ins).get(0), "t"));
  }

  @Test
  void entrypointRunsTheJarOfflineAndScriptsAreExecutable() {
    String igd = DeployFiles.read(ROOT.resolve("docker/igd"));
    assertTrue(igd.contains("exec java -Dai.djl.offline=true"), "entrypoint runs DJL offline");
    assertTrue(igd.contains("/opt/igd/igd.jar"), "entrypoint runs the copied jar");
    assertTrue(
        Files.isExecutable(ROOT.resolve("docker/igd"))
            && Files.isExecutable(ROOT.resolve("docker/igd-healthcheck")));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Map<String, Object>> composeServices() {
    Map<String, Object> compose =
        DeployFiles.docs(ROOT.resolve("docker/compose.yaml")).get(0).tree();
    Map<String, Map<String, Object>> services = new LinkedHashMap<>();
    map(compose.get("services"), "services")
        .forEach(
            (name, s) -> {
              Map<String, Object> service = new LinkedHashMap<>(map(s, name));
              Object merged =
                  service.remove(
                      "<<"); // YAML merge key: snakeyaml-engine (YAML 1.2) leaves it to us
              if (merged != null) {
                map(merged, name + " <<").forEach(service::putIfAbsent);
              }
              services.put(name, service);
            });
    return services;
  }

  @Test
  void composeServicesUseRealCommandsAndOptions(@TempDir Path tmp) throws Exception {
    Map<String, Map<String, Object>> services = composeServices();
    assertNotNull(services.get("kafka"), "a kafka service");
    assertTrue(
        String.valueOf(services.get("kafka").get("image")).startsWith("apache/kafka:"),
        "official apache/kafka image");
    Map<String, Object> kafkaEnv =
        map(services.get("kafka").get("environment"), "kafka environment");
    assertEquals("broker,controller", kafkaEnv.get("KAFKA_PROCESS_ROLES"), "single-node KRaft");
    List<String> commands = new ArrayList<>();
    for (var e : services.entrySet()) {
      if (e.getKey().equals("kafka")) {
        continue;
      }
      assertEquals("igd-stream:0.1.0", e.getValue().get("image"), e.getKey());
      List<String> args = strings(e.getValue().get("command"), e.getKey() + " command");
      DeployFiles.checkIgdArgs(args, "compose " + e.getKey());
      commands.add(args.get(0));
      assertEquals("/etc/igd/igd.conf", DeployFiles.optionValue(args, "--config"), e.getKey());
      assertTrue(
          strings(e.getValue().get("volumes"), "volumes")
              .contains("./igd.conf:/etc/igd/igd.conf:ro"),
          e.getKey() + " mounts igd.conf");
    }
    assertEquals(
        List.of("ingest", "train-local", "train", "augment", "corrupt", "evaluate"), commands);
    // the config names the broker the compose file advertises, and has only known keys
    Path conf = tmp.resolve("igd.conf");
    Files.copy(ROOT.resolve("docker/igd.conf"), conf);
    String advertised =
        String.valueOf(kafkaEnv.get("KAFKA_ADVERTISED_LISTENERS")).replace("PLAINTEXT://", "");
    assertEquals(
        advertised, Settings.load(conf, Map.of()).getString("igd.kafka.bootstrap-servers"));
  }
}
