package io.igdstream.app.cli;

import io.igdstream.app.console.Log;
import io.igdstream.schemas.TopicNames;
import io.igdstream.streams.kafka.EmbeddedKafkaBroker;
import io.igdstream.streams.kafka.TopicAdmin;
import io.igdstream.streams.kafka.TopicSpec;
import io.igdstream.streams.kafka.TopicsSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code igd broker}: the embedded KRaft broker alone, on 127.0.0.1, until Ctrl-C (for a local
 * multi-process setup). Creates the topics of each {@code --topic-prefix} before it reports ready.
 */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    header = "The embedded Kafka broker (KRaft, 127.0.0.1 only) until Ctrl-C.",
    description = {
      "Run the embedded Kafka broker (KRaft, 127.0.0.1 only) until Ctrl-C.",
      "Prints 'bootstrap servers: 127.0.0.1:PORT' on standard output once the topics are ready."
    })
public final class BrokerCommand implements Callable<Integer> {

  /** How long the topics of all prefixes may take to become writable. */
  private static final Duration TOPICS_READY = Duration.ofSeconds(60);

  @Option(
      names = "--port",
      paramLabel = "PORT",
      defaultValue = "9092",
      description = "Client port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "The broker's storage, kept across restarts (default: a temporary directory deleted on exit).")
  Path dataDir;

  @Option(
      names = "--topic-prefix",
      paramLabel = "NS",
      description =
          "Create the topics NS.samples, NS.train.adversarial, NS.test.corrupted, NS.snapshots, NS.reports, NS.dlq (repeatable).")
  List<String> topicPrefixes = new ArrayList<>();

  @Mixin ConfigOption config; // igd.topics: partitions, retention

  @Override
  public Integer call() throws Exception {
    Log log = Log.stderr();
    // Validate everything before any work.
    if (port < 0 || port > 65535) {
      throw new BadInputException("--port must be in 0..65535, was " + port);
    }
    List<TopicSpec> topics = new ArrayList<>();
    TopicsSettings settings = TopicsSettings.fromConfig(config.load(Map.of()));
    for (String prefix : topicPrefixes) {
      topics.addAll(settings.specs(new TopicNames(prefix)));
    }
    if (dataDir != null && Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
      throw new BadInputException("--data-dir " + dataDir + " is not a directory");
    }
    boolean temporary = dataDir == null;
    Path dir = temporary ? Files.createTempDirectory("igd-broker-") : dataDir;

    long started = System.nanoTime();
    EmbeddedKafkaBroker broker;
    try {
      broker = EmbeddedKafkaBroker.start(dir, port);
    } catch (BindException e) {
      deleteIfTemporary(temporary, dir);
      throw new BadInputException("--port " + port + ": " + e.getMessage());
    } catch (IllegalArgumentException | IllegalStateException e) { // not broker data; in use
      deleteIfTemporary(temporary, dir);
      throw new BadInputException("--data-dir: " + e.getMessage());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("stopping the broker");
                  broker.close();
                  deleteIfTemporary(temporary, dir);
                  stopped.countDown();
                },
                "igd-broker-shutdown"));
    log.info(
        String.format(
            Locale.ROOT,
            "broker up in %.1f s, data in %s%s",
            (System.nanoTime() - started) / 1e9,
            broker.dataDir(),
            temporary ? " (temporary, deleted on exit)" : ""));

    if (!topics.isEmpty()) {
      long t0 = System.nanoTime();
      TopicAdmin.ensure(broker.bootstrapServers(), topics, TOPICS_READY);
      log.info(
          String.format(
              Locale.ROOT,
              "%d topics ready in %.1f s: %s",
              topics.size(),
              (System.nanoTime() - t0) / 1e9,
              String.join(", ", topics.stream().map(TopicSpec::name).toList())));
    }
    System.out.println("bootstrap servers: " + broker.bootstrapServers());
    System.out.flush();
    log.info("Ctrl-C stops the broker");
    stopped.await();
    return ExitCode.OK;
  }

  private static void deleteIfTemporary(boolean temporary, Path dir) {
    if (!temporary) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    } catch (IOException | UncheckedIOException e) {
      // A leftover temporary directory is harmless.
    }
  }
}
