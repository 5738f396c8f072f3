package io.igdstream.app.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.ConfigFactory;
import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.io.CheckpointDirectory;
import io.igdstream.schemas.AdversarialSample;
import io.igdstream.schemas.AssembledSnapshot;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.RecordDecodingException;
import io.igdstream.schemas.RobustnessReport;
import io.igdstream.schemas.SnapshotAssembler;
import io.igdstream.schemas.SnapshotChunk;
import io.igdstream.schemas.SnapshotHeader;
import io.igdstream.schemas.TopicNames;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.schemas.kafka.TopicScan;
import io.igdstream.streams.kafka.GroupOffsets;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The system as real containers: the image built by docker/build.sh (podman), every role a
 * container of its own on the host network with the command line, environment, user, read-only root
 * filesystem, volumes and memory limit of its Kubernetes Deployment or Job (read from k8s/), on a
 * small dataset. Ends complete (every (sample, epoch) trained once, the final snapshot verified,
 * one report per version), answers /metrics through the image's HEALTHCHECK, and a trainer
 * container killed with SIGKILL and started again resumes from its checkpoint. Every manifest's
 * command also answers --help in the image. Only 127.0.0.1 is ever contacted.
 */
@Tag("container")
@Tag("slow")
@Timeout(value = 25, unit = TimeUnit.MINUTES)
class ContainerSystemTest {

  private static final Path ROOT = root();
  private static final String PREFIX = "fmnist";
  private static final int EPOCHS = 1;
  private static final int BATCH = 32;
  private static final int SNAPSHOT_EVERY = 4;
  private static final int TEST = 64;
  private static final Path HOST_DATASETS = Path.of("/usr/share/datasets");

  /** Every container this class starts has this name prefix, so only those are removed. */
  private static final String NAME = "igd-ct-" + ProcessHandle.current().pid() + "-";

  private static final List<String> started = new ArrayList<>();
  private static String image;

  @TempDir static Path dir;

  @BeforeAll
  static void buildTheImage() throws Exception {
    Podman.assumeUsable();
    image = kustomizeImage();
    Path log = dir.resolve("build.log");
    long t0 = System.nanoTime();
    Process p =
        new ProcessBuilder(ROOT.resolve("docker/build.sh").toString(), "--tag", image)
            .directory(ROOT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    assertTrue(p.waitFor(20, TimeUnit.MINUTES), "docker/build.sh ends");
    String out = Files.readString(log);
    assertEquals(0, p.exitValue(), "docker/build.sh failed:\n" + tail(out, 40));
    System.out.printf(
        "ContainerSystemTest: %s in %.0f s: %s%n",
        image,
        (System.nanoTime() - t0) / 1e9,
        out.lines().filter(l -> l.startsWith("build.sh: ")).reduce((a, b) -> b).orElse(""));
  }

  @AfterAll
  static void removeTheContainers() throws Exception {
    for (String name : started) {
      Podman.run(Duration.ofMinutes(1), "rm", "-f", "-t", "0", name);
    }
  }

  @Test
  void everyManifestAndLocalComposeCommandAnswersHelpInTheImage() throws Exception {
    Map<String, List<String>> commands = new LinkedHashMap<>();
    for (Path f : yamlFiles(ROOT.resolve("k8s"))) {
      for (Map<String, Object> doc : docs(f)) {
        // the CUDA trainer's image has the same jar, hence the same commands, as this CPU image
        Role.of(f, doc, false).forEach(r -> commands.put(r.where(), r.args()));
      }
    }
    // base: ingest, teacher, augment, corrupt, train, evaluate; the gpu overlay's trainer
    assertTrue(commands.size() >= 7, "containers found: " + commands.keySet());
    int k8s = commands.size();
    // compose.local.yaml runs this image alone (compose.yaml's are checked offline elsewhere)
    Map<String, Object> services =
        map(docs(ROOT.resolve("docker/compose.local.yaml")).get(0).get("services"));
    services.forEach(
        (name, service) ->
            commands.put(
                "docker/compose.local.yaml " + name,
                list(map(service).get("command")).stream().map(String::valueOf).toList()));
    for (var e : commands.entrySet()) {
      List<String> args = e.getValue();
      List<String> cmd = new ArrayList<>(List.of("run", "--rm", "--network", "none"));
      cmd.addAll(Podman.ULIMITS);
      cmd.addAll(List.of("--read-only", "--tmpfs", "/tmp", image));
      cmd.addAll(args);
      cmd.add("--help");
      Podman.Result res = Podman.run(Duration.ofMinutes(3), cmd.toArray(String[]::new));
      String what = e.getKey() + ": igd " + String.join(" ", args) + " --help";
      assertEquals(0, res.exit(), what + "\n" + res);
      assertTrue(
          res.out().contains("Usage: igd " + args.get(0)),
          what + " answers with the usage of igd " + args.get(0) + ":\n" + res);
    }
    System.out.printf(
        "ContainerSystemTest: --help answered in the image for %d k8s containers and %d compose"
            + " services%n",
        k8s, commands.size() - k8s);
  }

  @Test
  void theRuntimeOnlyDockerfileIsTheDockerfilesRuntimeStage() {
    List<String> full = runtimeStage(ROOT.resolve("docker/Dockerfile"));
    List<String> runtime = runtimeStage(ROOT.resolve("docker/Dockerfile.runtime"));
    assertEquals(full.size(), runtime.size(), "same instructions:\n" + full + "\n" + runtime);
    for (int i = 0; i < full.size(); i++) {
      String a = full.get(i);
      String b = runtime.get(i);
      if (a.startsWith("COPY ")) {
        // the same destination; only where the file comes from differs (build stage vs context)
        assertEquals(last(a), last(b), "COPY destination");
      } else {
        assertEquals(a, b, "instruction " + i + " of the runtime stage");
      }
    }
  }

  @Test
  void theRolesRunAsTheirManifestsSayAndATrainerKilledInItsContainerResumes() throws Exception {
    long t0 = System.nanoTime();
    Map<String, Role> roles = new LinkedHashMap<>();
    for (Path f : yamlFiles(ROOT.resolve("k8s/base"))) {
      for (Map<String, Object> doc : docs(f)) {
        for (Role r : Role.of(f, doc, true)) {
          roles.put(r.args().get(0), r);
        }
      }
    }
    assertEquals(
        Set.of("ingest", "train-local", "augment", "corrupt", "train", "evaluate"),
        roles.keySet(),
        "the roles of k8s/base");

    // The dataset: Debian's dataset-fashion-mnist where installed, else the repository's fixture.
    Path datasets;
    int train;
    if (Files.isRegularFile(HOST_DATASETS.resolve("fashion-mnist/train-images-idx3-ubyte.gz"))) {
      datasets = HOST_DATASETS;
      train = 512;
    } else {
      datasets = Files.createDirectories(dir.resolve("datasets/fashion-mnist")).getParent();
      try (Stream<Path> s =
          Files.list(ROOT.resolve("core/src/test/resources/fixtures/fashion-mnist-small"))) {
        for (Path f : s.toList()) {
          Files.copy(f, datasets.resolve("fashion-mnist").resolve(f.getFileName()));
        }
      }
      train = 192;
    }

    int kafkaPort = freePort();
    String bootstrap = "127.0.0.1:" + kafkaPort;
    // The ConfigMap's igd.conf as it is, then this test's overrides (later HOCON keys win).
    Path config = writable(dir.resolve("config"));
    Files.writeString(
        config.resolve("igd.conf"),
        configMapConf()
            + String.join(
                "\n",
                "",
                "# ContainerSystemTest: the broker on 127.0.0.1 and a tiny run",
                "igd.kafka.bootstrap-servers = \"" + bootstrap + "\"",
                // the manifests' Kafka is TLS + SCRAM with signed snapshots; this test's broker
                // is the image's plaintext one on 127.0.0.1 (the secured path is tested against a
                // secured broker in SecuredCliTest), so security is off and its Secrets unmounted
                "igd.kafka.client = null",
                "igd.kafka.client = {}",
                "igd.snapshots.signing-key = \"\"",
                "igd.snapshots.verify-key = \"\"",
                "igd.topics.create = true",
                "igd.train.epochs = " + EPOCHS,
                "igd.train.batch-size = " + BATCH,
                "igd.augment.batch-size = 32",
                // above the run's record count: the lag gate can stall a resumed trainer whose
                // uncommitted tail holds max-lag records but under a batch of new (sample, epoch)s
                // (the rest are two augment replicas' at-least-once repeats): it waits for more,
                // augment waits for the lag to fall
                "igd.augment.max-lag = 4096",
                "igd.attack.train-steps = 3",
                "igd.trainer.snapshot-every = " + SNAPSHOT_EVERY,
                "igd.trainer.checkpoint-every = 1",
                "igd.evaluate.tests = \"clean,pgd\"",
                "igd.evaluate.final-tests = \"clean,pgd\"",
                "igd.corrupt.corruptions = [gaussian_noise]",
                "igd.corrupt.severities = [1]",
                ""));
    Volumes volumes = new Volumes(dir.resolve("volumes"), config, datasets);

    // Kubernetes runs Kafka with Strimzi; here the image's own `igd broker` in a container.
    Path kafkaData = writable(dir.resolve("volumes/kafka"));
    List<String> broker = new ArrayList<>(Podman.runFlags(NAME + "broker"));
    broker.addAll(
        List.of(
            "--read-only",
            "--tmpfs",
            "/tmp",
            "--user",
            "10001:10001",
            "-v",
            config + ":/etc/igd:ro",
            "-v",
            kafkaData + ":/var/lib/igd/kafka",
            image,
            "broker",
            "--port",
            Integer.toString(kafkaPort),
            "--data-dir",
            "/var/lib/igd/kafka",
            "--topic-prefix",
            PREFIX,
            "--config",
            "/etc/igd/igd.conf"));
    start(broker);
    awaitLog(NAME + "broker", "bootstrap servers: " + bootstrap, Duration.ofMinutes(3));

    // The two Jobs (the teacher needs no broker; both at once), then the Deployments.
    Role ingest = roles.get("ingest").with("--train-limit", train).with("--test-limit", TEST);
    Role teacher =
        roles
            .get("train-local")
            .with("--epochs", 1)
            .with("--train-limit", train)
            .with("--eval-limit", TEST);
    start(ingest.podmanRun(NAME + "ingest", volumes, -1, image));
    start(teacher.podmanRun(NAME + "teacher", volumes, -1, image));
    assertExit(0, NAME + "ingest", Duration.ofMinutes(5));
    assertExit(0, NAME + "teacher", Duration.ofMinutes(5));

    List<String> deployments = new ArrayList<>();
    for (String name : List.of("train", "augment", "corrupt", "evaluate")) {
      Role r = roles.get(name);
      Role run = name.equals("evaluate") ? r.with("--test-limit", TEST) : r;
      for (int replica = 0; replica < r.replicas(); replica++) {
        String container = NAME + name + (r.replicas() > 1 ? "-" + replica : "");
        deployments.add(container);
        start(run.podmanRun(container, volumes, freePort(), image));
      }
    }
    assertEquals(2, roles.get("augment").replicas(), "augment's Deployment runs two replicas");
    String trainer = NAME + "train";

    Path checkpoints = volumes.claim("igd-trainer").resolve("checkpoints");
    // /metrics through the image's HEALTHCHECK command: augment first (it ends once its epochs
    // are made), the trainer once it trains, then the kill; corrupt and evaluate after it
    for (String container : deployments) {
      if (container.startsWith(NAME + "augment")) {
        awaitHealthy(container, Duration.ofMinutes(3));
      }
    }
    awaitStep(checkpoints, 1, trainer, Duration.ofMinutes(8));
    awaitHealthy(trainer, Duration.ofMinutes(2));
    awaitStep(checkpoints, 2, trainer, Duration.ofMinutes(4));
    assertTrue(running(trainer), "the trainer is still training when killed:\n" + logs(trainer));
    Podman.run(Duration.ofMinutes(1), "kill", "--signal", "KILL", trainer);
    assertExit(137, trainer, Duration.ofMinutes(1));
    long killedAt = newestStep(checkpoints);
    // as the kubelet restarts a pod's container: the same container, command and volumes
    Podman.Result restart = Podman.run(Duration.ofMinutes(1), "start", trainer);
    assertEquals(0, restart.exit(), restart.toString());
    assertExit(0, trainer, Duration.ofMinutes(10));
    String trainerLog = logs(trainer);
    Matcher resumed = Pattern.compile("resumed at step (\\d+)").matcher(trainerLog);
    assertTrue(resumed.find(), "the restarted trainer resumed:\n" + tail(trainerLog, 40));
    long resumedAt = Long.parseLong(resumed.group(1));
    assertTrue(
        resumedAt >= killedAt && resumedAt > 0,
        "resumed at step " + resumedAt + ", killed after " + killedAt);
    for (String container : deployments) {
      if (container.startsWith(NAME + "corrupt") || container.startsWith(NAME + "evaluate")) {
        awaitHealthy(container, Duration.ofMinutes(2));
      }
    }

    // The evaluator (it runs on, as its Deployment) reports the final snapshot to NS.reports.
    long steps = (long) Math.ceil(train * EPOCHS / (double) BATCH);
    String finalKey = "igd-student/" + (steps + SNAPSHOT_EVERY - 1) / SNAPSHOT_EVERY;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(6);
    while (!reportKeys(bootstrap).contains(finalKey)) {
      assertTrue(running(NAME + "evaluate"), "the evaluator runs:\n" + logs(NAME + "evaluate"));
      assertTrue(
          System.nanoTime() < deadline,
          "no report of " + finalKey + " in 6 min:\n" + tail(logs(NAME + "evaluate"), 40));
      Thread.sleep(2000);
    }

    Checkpoint last = new CheckpointDirectory(checkpoints, 2).latest(m -> {}).orElseThrow();
    assertEquals(
        (long) train * EPOCHS, last.requireLong("trained"), "every (sample, epoch) trained once");
    long duplicates = assertTopicsComplete(bootstrap, train);
    System.out.printf(
        "ContainerSystemTest: %d containers (broker, ingest, teacher, %s); trainer SIGKILLed at"
            + " step %d, its restarted container resumed at step %d; %d×%d (sample, epoch) trained"
            + " once (%d repeated records on the topic), topics complete, /metrics healthy; %.0f s%n",
        3 + deployments.size(),
        String.join(", ", deployments).replace(NAME, ""),
        killedAt,
        resumedAt,
        train,
        EPOCHS,
        duplicates,
        (System.nanoTime() - t0) / 1e9);
  }

  /** The keys (model-id/version) of the records in NS.reports so far. */
  private static Set<String> reportKeys(String bootstrap) throws Exception {
    KafkaSettings kafka =
        KafkaSettings.fromConfig(ConfigFactory.load()).withBootstrapServers(bootstrap);
    Set<String> keys = new HashSet<>();
    TopicScan.scan(
        kafka,
        new TopicNames(PREFIX).reports(),
        Duration.ofMinutes(1),
        r -> keys.add(new String(r.key(), StandardCharsets.UTF_8)));
    return keys;
  }

  // ---- what the finished system leaves in Kafka (as the multi-process end-to-end test checks) --

  /**
   * Every training sample in every epoch of NS.train.adversarial, the final snapshot reassembling
   * with a verified hash, one report per version (the final one among them), nothing but repeats
   * behind the trainer's committed offsets. Returns the number of repeated adversarial records
   * (at-least-once).
   */
  private static long assertTopicsComplete(String bootstrap, int train) throws Exception {
    KafkaSettings kafka =
        KafkaSettings.fromConfig(ConfigFactory.load()).withBootstrapServers(bootstrap);
    TopicNames topics = new TopicNames(PREFIX);
    Map<TopicPartition, Long> committed;
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
      committed = GroupOffsets.committed(admin, PREFIX + ".trainer", topics.trainAdversarial());
    }
    AvroCodec<AdversarialSample> adversarial = AvroCodec.of(AdversarialSample.class);
    Map<Integer, Set<String>> ids = new HashMap<>();
    Set<String> consumed = new HashSet<>();
    List<String> behind = new ArrayList<>();
    long[] records = {0};
    TopicScan.scan(
        kafka,
        topics.trainAdversarial(),
        Duration.ofMinutes(1),
        r -> {
          AdversarialSample a = adversarial.decode(r.value());
          ids.computeIfAbsent(a.getEpoch(), e -> new HashSet<>()).add(a.getSampleId().toString());
          String pair = a.getSampleId() + "@" + a.getEpoch();
          if (r.offset() < committed.get(new TopicPartition(r.topic(), r.partition()))) {
            consumed.add(pair);
          } else {
            behind.add(pair);
          }
          records[0]++;
        });
    for (int e = 0; e < EPOCHS; e++) {
      assertNotNull(ids.get(e), "epoch " + e + " on the topic");
      assertEquals(train, ids.get(e).size(), "every training sample in epoch " + e);
    }
    // Augment runs on (a Deployment): repeats may land after the trainer finished, but nothing new
    assertTrue(
        consumed.containsAll(behind),
        "the trainer's group passed every record but repeats of pairs it had: "
            + behind.stream().filter(b -> !consumed.contains(b)).toList());

    SnapshotAssembler assembler = new SnapshotAssembler("igd-student");
    AvroCodec<SnapshotHeader> headers = AvroCodec.of(SnapshotHeader.class);
    AvroCodec<SnapshotChunk> chunks = AvroCodec.of(SnapshotChunk.class);
    long[] newest = {-1};
    TopicScan.scan(
        kafka,
        topics.snapshots(),
        Duration.ofMinutes(1),
        r -> {
          String type = AvroCodec.typeOf(r.value()).orElseThrow();
          try {
            Optional<AssembledSnapshot> done =
                type.endsWith("SnapshotHeader")
                    ? assembler.accept(headers.decode(r.value()))
                    : assembler.accept(chunks.decode(r.value()));
            done.ifPresent(s -> newest[0] = s.header().getVersion());
          } catch (RecordDecodingException e) {
            // a killed trainer's half-published version, published again by its resumed life
          }
        });
    long steps = (long) Math.ceil(train * EPOCHS / (double) BATCH);
    assertEquals(
        (steps + SNAPSHOT_EVERY - 1) / SNAPSHOT_EVERY,
        newest[0],
        "the final snapshot reassembles with a verified hash");

    Map<String, Integer> reports = new HashMap<>();
    AvroCodec<RobustnessReport> codec = AvroCodec.of(RobustnessReport.class);
    TopicScan.scan(
        kafka,
        topics.reports(),
        Duration.ofMinutes(1),
        r -> {
          RobustnessReport rr = codec.decode(r.value());
          String key = new String(r.key(), StandardCharsets.UTF_8);
          assertEquals(rr.getModelId() + "/" + rr.getSnapshotVersion(), key);
          reports.merge(key, 1, Integer::sum);
        });
    assertTrue(reports.containsKey("igd-student/" + newest[0]), "final reported: " + reports);
    reports.forEach((k, n) -> assertEquals(1, n, "one report per version: " + k));

    return records[0] - (long) train * EPOCHS;
  }

  // ---- one container of a Deployment or Job, from its manifest --------------------------------

  /** A manifest's igd container: its arguments, environment, mounts and pod settings. */
  private record Role(
      String where,
      List<String> args,
      Map<String, String> env,
      List<Map<String, Object>> mounts,
      Map<String, Map<String, Object>> volumes,
      Map<String, Object> podSecurity,
      Map<String, Object> security,
      String memoryLimit,
      int replicas) {

    /** The igd-stream containers of a Deployment or Job document (none for other kinds). */
    static List<Role> of(Path file, Map<String, Object> doc, boolean complete) {
      Object kind = doc.get("kind");
      if (!"Deployment".equals(kind) && !"Job".equals(kind)) {
        return List.of();
      }
      Map<String, Object> pod = map(at(doc, "spec.template.spec"));
      Map<String, Map<String, Object>> volumes = new HashMap<>();
      for (Object v : list(pod.getOrDefault("volumes", List.of()))) {
        volumes.put(String.valueOf(map(v).get("name")), map(v));
      }
      List<Role> roles = new ArrayList<>();
      for (Object o : list(pod.getOrDefault("containers", List.of()))) {
        Map<String, Object> c = map(o);
        if (!String.valueOf(c.get("image")).startsWith("igd-stream")) {
          continue;
        }
        String where = ROOT.relativize(file) + " " + at(doc, "metadata.name") + "/" + c.get("name");
        assertFalse(c.containsKey("command"), where + ": the image's entrypoint igd runs it");
        assertTrue(!complete || c.containsKey("args"), where + ": args");
        Map<String, String> env = new LinkedHashMap<>();
        for (Object e : list(c.getOrDefault("env", List.of()))) {
          env.put(String.valueOf(map(e).get("name")), String.valueOf(map(e).get("value")));
        }
        List<Map<String, Object>> mounts = new ArrayList<>();
        for (Object m : list(c.getOrDefault("volumeMounts", List.of()))) {
          mounts.add(map(m));
        }
        Object replicas = at(doc, "spec.replicas");
        roles.add(
            new Role(
                where,
                list(c.getOrDefault("args", List.of())).stream().map(String::valueOf).toList(),
                env,
                mounts,
                volumes,
                map(pod.getOrDefault("securityContext", Map.of())),
                map(c.getOrDefault("securityContext", Map.of())),
                (String) at(c, "resources.limits.memory"),
                replicas == null ? 1 : ((Number) replicas).intValue()));
      }
      return roles;
    }

    /** The same role with {@code option}'s value replaced, or the option added. */
    Role with(String option, Object value) {
      List<String> a = new ArrayList<>(args);
      int i = a.indexOf(option);
      if (i >= 0) {
        a.set(i + 1, String.valueOf(value));
      } else {
        a.addAll(List.of(option, String.valueOf(value)));
      }
      return new Role(where, a, env, mounts, volumes, podSecurity, security, memoryLimit, replicas);
    }

    /**
     * {@code podman run -d} of this container on the host network. The only changes to the
     * manifest: a free metrics port on 127.0.0.1 instead of 9464 on 0.0.0.0 (the containers share
     * the host's network), the healthcheck pointed at it; the volumes are directories here.
     */
    List<String> podmanRun(String name, Volumes v, int metricsPort, String image) {
      List<String> cmd = new ArrayList<>(Podman.runFlags(name));
      if (Boolean.TRUE.equals(security.get("readOnlyRootFilesystem"))) {
        cmd.add("--read-only");
      }
      if (Boolean.FALSE.equals(security.get("allowPrivilegeEscalation"))) {
        cmd.addAll(List.of("--security-opt", "no-new-privileges"));
      }
      Object drop = at(security, "capabilities.drop");
      if (drop instanceof List<?> l && l.contains("ALL")) {
        cmd.addAll(List.of("--cap-drop", "ALL"));
      }
      if (podSecurity.get("runAsUser") != null) {
        cmd.addAll(
            List.of("--user", podSecurity.get("runAsUser") + ":" + podSecurity.get("runAsGroup")));
      }
      if (memoryLimit != null) {
        cmd.addAll(List.of("--memory", memoryLimit.replace("Gi", "g").replace("Mi", "m")));
      }
      Map<String, String> e = new LinkedHashMap<>(env);
      List<String> a = args;
      if (metricsPort > 0) {
        e.put("IGD_METRICS_PORT", Integer.toString(metricsPort));
        a = with("--metrics-port", metricsPort).with("--metrics-host", "127.0.0.1").args();
      }
      e.forEach((k, val) -> cmd.addAll(List.of("-e", k + "=" + val)));
      for (Map<String, Object> m : mounts) {
        String volume = String.valueOf(m.get("name"));
        String path = String.valueOf(m.get("mountPath"));
        boolean readOnly = Boolean.TRUE.equals(m.get("readOnly"));
        Map<String, Object> spec = volumes.get(volume);
        assertNotNull(spec, where + ": volume " + volume + " is declared");
        if (spec.containsKey("configMap")) {
          cmd.addAll(List.of("-v", v.config() + ":" + path + ":ro"));
        } else if (spec.containsKey("emptyDir") && path.equals("/tmp")) {
          cmd.addAll(List.of("--tmpfs", path));
        } else if (spec.containsKey("emptyDir")) {
          cmd.addAll(List.of("-v", v.emptyDir(name, volume) + ":" + path));
        } else if (spec.containsKey("secret")) {
          continue; // Kafka credentials, CA, signing keys: security is off against this broker
        } else if (spec.containsKey("persistentVolumeClaim")) {
          String claim = String.valueOf(at(spec, "persistentVolumeClaim.claimName"));
          cmd.addAll(List.of("-v", v.claim(claim) + ":" + path + (readOnly ? ":ro" : "")));
        } else {
          fail(where + ": volume kind of " + volume + " unknown to this test: " + spec);
        }
      }
      cmd.add(image);
      cmd.addAll(a);
      return cmd;
    }

    @Override
    public String toString() {
      return where;
    }
  }

  /**
   * Host directories standing in for the pods' volumes: one per claim (shared by every container
   * mounting it, as a ReadWriteMany volume), one per (container, emptyDir). World-writable, as
   * fsGroup makes a volume writable for the pod's user.
   */
  private record Volumes(Path dir, Path config, Path datasets) {
    Path claim(String claim) {
      return claim.equals("igd-datasets") ? datasets : writable(dir.resolve("claim-" + claim));
    }

    Path emptyDir(String container, String volume) {
      return writable(dir.resolve(container + "-" + volume));
    }
  }

  // ---- podman ---------------------------------------------------------------------------------

  private static final class Podman {
    /** crun refuses this kind of machine's hybrid cgroups; runc with cgroupfs runs. */
    static final List<String> GLOBAL = List.of("--runtime", "runc", "--cgroup-manager", "cgroupfs");

    /** Below the machine's hard limits (the defaults fail with "setrlimit ... not permitted"). */
    static final List<String> ULIMITS =
        List.of("--ulimit", "nofile=16384:16384", "--ulimit", "nproc=4096:4096");

    record Result(int exit, String out) {
      @Override
      public String toString() {
        return "exit " + exit + ":\n" + tail(out, 40);
      }
    }

    static void assumeUsable() throws Exception {
      boolean onPath =
          Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
              .anyMatch(d -> Files.isExecutable(Path.of(d, "podman")));
      Assumptions.assumeTrue(onPath, "podman is not installed (apt-get install podman runc)");
      Result info = run(Duration.ofMinutes(1), "info", "--format", "{{.Host.OCIRuntime.Name}}");
      Assumptions.assumeTrue(info.exit() == 0, "podman cannot run here: " + info);
    }

    static Result run(Duration timeout, String... args) throws Exception {
      List<String> cmd = new ArrayList<>(List.of("podman"));
      cmd.addAll(GLOBAL);
      cmd.addAll(Arrays.asList(args));
      Path out = Files.createTempFile(dir, "podman", ".out");
      Process p =
          new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        fail("timed out after " + timeout + ": " + String.join(" ", cmd));
      }
      String text = Files.readString(out);
      Files.delete(out);
      // podman's complaint that there is no systemd to time the healthchecks: we run them
      text = text.replaceAll("(?m)^time=.*systemd connection.*\\R", "");
      return new Result(p.exitValue(), text);
    }

    /** {@code run -d} on the host network with the ulimits, keeping the image's HEALTHCHECK. */
    static List<String> runFlags(String name) {
      List<String> f = new ArrayList<>(List.of("run", "-d", "--name", name, "--network", "host"));
      f.addAll(ULIMITS);
      return f;
    }
  }

  private static void start(List<String> runArgs) throws Exception {
    String name = runArgs.get(runArgs.indexOf("--name") + 1);
    started.add(name);
    Podman.Result r = Podman.run(Duration.ofMinutes(2), runArgs.toArray(String[]::new));
    assertEquals(0, r.exit(), "podman " + String.join(" ", runArgs) + "\n" + r);
  }

  private static String logs(String container) throws Exception {
    return Podman.run(Duration.ofMinutes(1), "logs", container).out();
  }

  private static boolean running(String container) throws Exception {
    return Podman.run(Duration.ofMinutes(1), "inspect", "--format", "{{.State.Running}}", container)
        .out()
        .strip()
        .equals("true");
  }

  private static void assertExit(int expected, String container, Duration timeout)
      throws Exception {
    Podman.Result r = Podman.run(timeout, "wait", container);
    assertEquals(0, r.exit(), "podman wait " + container + ": " + r);
    assertEquals(
        Integer.toString(expected),
        r.out().strip(),
        container + " exit code; its log:\n" + tail(logs(container), 40));
  }

  private static void awaitLog(String container, String text, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!logs(container).contains(text)) {
      assertTrue(running(container), container + " ended:\n" + tail(logs(container), 40));
      assertTrue(System.nanoTime() < deadline, container + " never logged '" + text + "'");
      Thread.sleep(500);
    }
  }

  /** Runs the image's HEALTHCHECK command (GET /metrics) in the container until it passes. */
  private static void awaitHealthy(String container, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Podman.Result r = Podman.run(Duration.ofMinutes(1), "healthcheck", "run", container);
      if (r.exit() == 0) {
        return;
      }
      assertTrue(running(container), container + " ended:\n" + tail(logs(container), 40));
      assertTrue(System.nanoTime() < deadline, container + " never healthy: " + r);
      Thread.sleep(1000);
    }
  }

  private static void awaitStep(Path checkpoints, long step, String container, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (newestStep(checkpoints) < step) {
      assertTrue(running(container), container + " ended:\n" + tail(logs(container), 40));
      assertTrue(
          System.nanoTime() < deadline,
          "no checkpoint of step " + step + " in " + timeout + ":\n" + tail(logs(container), 40));
      Thread.sleep(500);
    }
  }

  /** The step of the newest complete checkpoint, 0 if none (one being written is hidden). */
  private static long newestStep(Path checkpoints) {
    File[] files =
        checkpoints.toFile().listFiles(f -> f.getName().matches("step-\\d+\\.safetensors"));
    return files == null
        ? 0
        : Arrays.stream(files)
            .mapToLong(f -> Long.parseLong(f.getName().replaceAll("\\D", "")))
            .max()
            .orElse(0);
  }

  // ---- the repository's files -----------------------------------------------------------------

  private static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null
        && !(Files.isDirectory(p.resolve("k8s")) && Files.isDirectory(p.resolve("docker")))) {
      p = p.getParent();
    }
    assertNotNull(p, "no k8s/ and docker/ above " + Path.of("").toAbsolutePath());
    return p;
  }

  /** The image the manifests run: kustomize's images entry of k8s/base, e.g. igd-stream:0.1.0. */
  private static String kustomizeImage() {
    Map<String, Object> k = docs(ROOT.resolve("k8s/base/kustomization.yaml")).get(0);
    for (Object o : list(k.get("images"))) {
      Map<String, Object> i = map(o);
      if ("igd-stream".equals(i.get("name"))) {
        return i.get("newName") + ":" + i.get("newTag");
      }
    }
    throw new AssertionError("no igd-stream image in k8s/base/kustomization.yaml");
  }

  /** The ConfigMap igd-config's igd.conf, which the pods mount at /etc/igd. */
  private static String configMapConf() {
    for (Map<String, Object> doc : docs(ROOT.resolve("k8s/base/configmap.yaml"))) {
      if ("igd-config".equals(at(doc, "metadata.name"))) {
        return String.valueOf(at(doc, "data.igd.conf"));
      }
    }
    throw new AssertionError("no ConfigMap igd-config in k8s/base/configmap.yaml");
  }

  /** Dockerfile instructions from the runtime stage's ENV on, continuation lines joined. */
  private static List<String> runtimeStage(Path dockerfile) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String line : read(dockerfile).split("\\R")) {
      String t = line.strip();
      if (t.startsWith("#") || (t.isEmpty() && cur.isEmpty())) {
        continue;
      }
      if (t.endsWith("\\")) {
        cur.append(t, 0, t.length() - 1).append(' ');
      } else {
        cur.append(t);
        out.add(cur.toString());
        cur.setLength(0);
      }
    }
    int from = -1;
    for (int i = 0; i < out.size(); i++) {
      if (out.get(i).startsWith("FROM ")) {
        from = i;
      }
    }
    assertTrue(from >= 0, dockerfile + ": a FROM");
    return out.subList(from + 1, out.size());
  }

  private static String last(String instruction) {
    String[] w = instruction.split("\\s+");
    return w[w.length - 1];
  }

  private static List<Path> yamlFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  /** Every non-empty document of a YAML file. */
  private static List<Map<String, Object>> docs(Path file) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String part : read(file).split("(?m)^---\\s*$")) {
      Object tree = new Load(LoadSettings.builder().build()).loadFromString(part);
      if (tree != null) {
        out.add(map(tree));
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    assertTrue(o instanceof Map, "not a mapping: " + o);
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    assertTrue(o instanceof List, "not a list: " + o);
    return (List<Object>) o;
  }

  /** The value at a dotted path of mappings, or null; a key may itself contain a dot (igd.conf). */
  private static Object at(Map<String, Object> tree, String path) {
    if (tree.containsKey(path)) {
      return tree.get(path);
    }
    int dot = path.indexOf('.');
    if (dot < 0) {
      return null;
    }
    Object next = tree.get(path.substring(0, dot));
    return next instanceof Map<?, ?> ? at(map(next), path.substring(dot + 1)) : null;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path writable(Path d) {
    try {
      Files.createDirectories(d);
      Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwxrwx"));
      return d;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String tail(String text, int lines) {
    List<String> l = text.lines().toList();
    return String.join("\n", l.subList(Math.max(0, l.size() - lines), l.size()));
  }
}
