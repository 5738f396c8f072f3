package io.igdstream.streams.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single-node Kafka cluster inside this JVM: Kafka's own KRaft server in the combined broker and
 * controller role, listening on 127.0.0.1 only. For {@code igd broker}, the pipeline on one machine
 * and broker tests; a real deployment uses Strimzi.
 *
 * <p>Storage lives in a data directory the caller gives: {@code metadata/} holds the KRaft metadata
 * log, {@code logs/} the topics' partitions. The first start formats both (a random cluster id,
 * {@link MetadataVersion#LATEST_PRODUCTION}); a later start on the same directory keeps the cluster
 * and its records. The two are apart on purpose: with one directory for both, Kafka 3.9 locks it
 * only when the broker part starts, after the controller part has already written to the metadata
 * log, so a second broker started on a directory in use corrupts the running broker's metadata
 * (seen here: the running broker then halted its JVM). Apart, the controller locks {@code
 * metadata/} before it touches it. Both ports are chosen free at start unless the broker port is
 * given.
 *
 * <p>Settings are those of a one-broker cluster: internal topics with one replica, no rebalance
 * delay for the first consumer of a group, no auto-created topics (topics come from {@link
 * TopicAdmin}), a 2 MiB log-cleaner buffer instead of the 128 MiB default on the heap, and records
 * up to {@link #MESSAGE_MAX_BYTES}.
 *
 * <p>Kafka treats some faults as fatal and halts the JVM ({@code Exit.halt(1)}), and this broker
 * shares the JVM with whatever else runs in it. Seen with Kafka 3.9.2: the controller port cannot
 * be bound, or the metadata directory is locked by another broker. {@link #start} checks the lock
 * and the given client port beforehand and throws instead; the controller port is chosen free just
 * before start, so only a process taking it in those milliseconds could still halt the JVM. A
 * client port that cannot be bound is an ordinary exception (a free one chosen by us is retried).
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

  /** The only address the broker listens on. */
  public static final String HOST = "127.0.0.1";

  /** The broker-wide largest record batch ({@code message.max.bytes}); topics may override it. */
  public static final int MESSAGE_MAX_BYTES = 8 * 1024 * 1024;

  private static final int NODE_ID = 1;
  private static final String META_PROPERTIES = "meta.properties";
  private static final String METADATA_DIR = "metadata";
  private static final String LOGS_DIR = "logs";
  private static final int START_ATTEMPTS = 3;

  private final KafkaRaftServer server;
  private final Path dataDir;
  private final int port;
  private boolean closed;

  private EmbeddedKafkaBroker(KafkaRaftServer server, Path dataDir, int port) {
    this.server = server;
    this.dataDir = dataDir;
    this.port = port;
  }

  /**
   * Formats {@code dataDir} unless it already holds a broker's data, then starts the broker and
   * returns once it serves clients.
   *
   * @param dataDir the broker's storage: created if missing; must be empty or hold this kind of
   *     broker's data from an earlier start
   * @param port the client port on 127.0.0.1, or 0 for a free one
   * @throws BindException if {@code port} is in use
   * @throws IOException if the data directory cannot be created or formatted
   * @throws IllegalArgumentException for a port out of range or a non-empty directory that holds
   *     something else
   * @throws IllegalStateException if another broker uses the data directory
   */
  public static EmbeddedKafkaBroker start(Path dataDir, int port) throws IOException {
    return start(dataDir, port, (p, brokerPort, controllerPort) -> {});
  }

  /** Changes the broker configuration of {@link #config} before start (security listeners). */
  @FunctionalInterface
  interface ConfigOverride {
    void apply(Properties config, int brokerPort, int controllerPort) throws IOException;
  }

  /** {@link #start(Path, int)} with {@code override} applied to the configuration. */
  static EmbeddedKafkaBroker start(Path dataDir, int port, ConfigOverride override)
      throws IOException {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in 0..65535, was " + port);
    }
    Path dir = dataDir.toAbsolutePath();
    Files.createDirectories(dir);
    boolean formatted = Files.isRegularFile(dir.resolve(METADATA_DIR).resolve(META_PROPERTIES));
    if (!formatted && !isEmpty(dir)) {
      throw new IllegalArgumentException(
          "data directory "
              + dir
              + " is not empty and holds no broker data (no "
              + METADATA_DIR
              + "/"
              + META_PROPERTIES
              + ")");
    }
    if (formatted) {
      checkNotInUse(dir);
    }
    if (port != 0 && !isFree(port)) {
      throw portInUse(port, null);
    }
    if (!formatted) {
      format(dir);
    }
    for (int attempt = 1; ; attempt++) {
      int brokerPort = port != 0 ? port : freePort(-1);
      int controllerPort = freePort(brokerPort);
      Properties config = config(dir, brokerPort, controllerPort);
      override.apply(config, brokerPort, controllerPort);
      KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(config), Time.SYSTEM);
      try {
        server.startup();
        return new EmbeddedKafkaBroker(server, dir, brokerPort);
      } catch (RuntimeException e) {
        stop(server, e);
        if (bindFailure(e) == null) {
          throw e;
        }
        // Another process took the free port we chose between choosing and binding: choose again.
        if (port != 0 || attempt == START_ATTEMPTS) {
          throw portInUse(brokerPort, e);
        }
      }
    }
  }

  /** {@code 127.0.0.1:<port>}, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return HOST + ":" + port;
  }

  /** The client port on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** The broker's storage (absolute). */
  public Path dataDir() {
    return dataDir;
  }

  /** Stops the broker and waits until it has stopped; the data directory stays. Idempotent. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      server.shutdown();
      server.awaitShutdown();
    }
  }

  /** The broker configuration (docs/STACK.md "Broker recipe"). */
  static Properties config(Path dir, int brokerPort, int controllerPort) {
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", Integer.toString(NODE_ID));
    p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
    p.put(
        "listeners",
        "PLAINTEXT://" + HOST + ":" + brokerPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort);
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("metadata.log.dir", dir.resolve(METADATA_DIR).toString());
    p.put("log.dirs", dir.resolve(LOGS_DIR).toString());
    p.put("num.partitions", "1");
    p.put("default.replication.factor", "1");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
    p.put("auto.create.topics.enable", "false");
    p.put("message.max.bytes", Integer.toString(MESSAGE_MAX_BYTES));
    p.put("replica.fetch.max.bytes", Integer.toString(MESSAGE_MAX_BYTES));
    return p;
  }

  /** Same as {@code kafka-storage.sh format -t <random id> -c server.properties}. */
  private static void format(Path dir) throws IOException {
    try {
      new Formatter()
          .setNodeId(NODE_ID)
          .setClusterId(Uuid.randomUuid().toString())
          .setDirectories(
              List.of(dir.resolve(LOGS_DIR).toString(), dir.resolve(METADATA_DIR).toString()))
          .setMetadataLogDirectory(dir.resolve(METADATA_DIR).toString())
          .setControllerListenerName("CONTROLLER")
          .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
          .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
          .run();
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("cannot format Kafka storage in " + dir + ": " + e.getMessage(), e);
    }
  }

  private static void stop(KafkaRaftServer server, RuntimeException failure) {
    try {
      server.shutdown();
      server.awaitShutdown();
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  /**
   * Fails if a broker holds the metadata directory's lock. Kafka's own lock check fails too, but as
   * a fatal fault that halts the JVM; this one names the directory.
   */
  private static void checkNotInUse(Path dir) throws IOException {
    Path lockFile = dir.resolve(METADATA_DIR).resolve(".lock");
    try (FileChannel channel =
        FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      FileLock lock = channel.tryLock();
      if (lock == null) {
        throw inUse(dir, null);
      }
      lock.release();
    } catch (OverlappingFileLockException e) {
      throw inUse(dir, e); // held by a broker in this JVM
    }
  }

  private static IllegalStateException inUse(Path dir, Throwable cause) {
    return new IllegalStateException(
        "data directory " + dir + " is in use by another broker", cause);
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }

  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName(HOST), port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static int freePort(int other) throws IOException {
    while (true) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
        if (s.getLocalPort() != other) {
          return s.getLocalPort();
        }
      }
    }
  }

  private static BindException bindFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException b) {
        return b;
      }
    }
    return null;
  }

  private static BindException portInUse(int port, Throwable cause) {
    BindException e = new BindException(HOST + ":" + port + " is already in use");
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }
}
