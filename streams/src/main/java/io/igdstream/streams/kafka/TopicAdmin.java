package io.igdstream.streams.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates topics and waits until they can take records.
 *
 * <p>Why the wait: right after {@code createTopics()} returns, the partitions exist in the
 * controller's metadata but not necessarily on their leader yet. A producer that sends at once can
 * get {@code NOT_LEADER_OR_FOLLOWER} and then, as an idempotent producer, spin on {@code
 * OUT_OF_ORDER_SEQUENCE_NUMBER} until {@code delivery.timeout.ms} (2 min) drops the batch: upstream
 * KAFKA-15591, seen in up to a quarter of tries on a busy machine. {@code describeTopics} showing a
 * leader is not enough either, since it is answered from the metadata cache. {@link #ensure}
 * therefore polls {@code describeTopics} until every partition has a leader and then asks each
 * leader for its latest offset ({@code listOffsets}), which only the leader answers once the
 * partition is really there. After it returns, producing to the topics is safe.
 */
public final class TopicAdmin {

  private static final long POLL_MILLIS = 20;

  private TopicAdmin() {}

  /**
   * Creates the missing topics on the cluster at {@code bootstrapServers} and waits until every
   * partition of every topic has a leader that answers. Existing topics are left as they are
   * (partition count and configuration are not changed), so calling it again is harmless.
   *
   * @throws TimeoutException if the topics are not ready within {@code timeout} (broker down,
   *     partitions without a leader)
   * @throws KafkaException if the cluster refuses a topic (an invalid configuration value, no
   *     authorization)
   */
  public static void ensure(String bootstrapServers, List<TopicSpec> topics, Duration timeout)
      throws InterruptedException {
    Map<String, Object> config = new HashMap<>();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(AdminClientConfig.CLIENT_ID_CONFIG, "igd-topic-admin");
    try (Admin admin = Admin.create(config)) {
      ensure(admin, topics, timeout);
    }
  }

  /**
   * {@link #ensure(String, List, Duration)} with every client property of {@code kafka} (security
   * included).
   */
  public static void ensure(
      io.igdstream.schemas.kafka.KafkaSettings kafka, List<TopicSpec> topics, Duration timeout)
      throws InterruptedException {
    Map<String, Object> config = kafka.adminProperties();
    config.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "igd-topic-admin");
    try (Admin admin = Admin.create(config)) {
      ensure(admin, topics, timeout);
    }
  }

  /**
   * Waits until the named topics exist and every partition's leader answers, creating none: for a
   * role on a cluster where only the admin creates topics (docs/SECURITY.md: {@code igd topics} as
   * {@link AccessTable#ADMIN}, or Strimzi's topic operator). Needs only DESCRIBE on each topic,
   * which the role's READ or WRITE implies; a missing ACL fails at once with Kafka's
   * TopicAuthorizationException as the cause ({@link KafkaAccessError} makes its line).
   *
   * @throws TimeoutException if a topic does not exist or has no answering leader within {@code
   *     timeout}
   */
  public static void awaitExisting(
      io.igdstream.schemas.kafka.KafkaSettings kafka, Collection<String> names, Duration timeout)
      throws InterruptedException {
    Map<String, Object> config = kafka.adminProperties();
    config.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "igd-topic-check");
    try (Admin admin = Admin.create(config)) {
      long deadline = System.nanoTime() + timeout.toNanos();
      Map<String, TopicDescription> described =
          awaitLeaders(admin, new HashSet<>(names), deadline, timeout);
      awaitLeadersAnswer(admin, described, deadline, timeout);
    }
  }

  /** {@link #ensure(String, List, Duration)} with an admin client the caller owns. */
  public static void ensure(Admin admin, List<TopicSpec> topics, Duration timeout)
      throws InterruptedException {
    Set<String> names = new HashSet<>();
    for (TopicSpec t : topics) {
      if (!names.add(t.name())) {
        throw new IllegalArgumentException("topic " + t.name() + " is listed twice");
      }
    }
    if (topics.isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    create(admin, topics, deadline, timeout);
    Map<String, TopicDescription> described = awaitLeaders(admin, names, deadline, timeout);
    awaitLeadersAnswer(admin, described, deadline, timeout);
  }

  private static void create(Admin admin, List<TopicSpec> topics, long deadline, Duration timeout)
      throws InterruptedException {
    List<NewTopic> requests = new ArrayList<>();
    for (TopicSpec t : topics) {
      requests.add(
          new NewTopic(t.name(), Optional.of(t.partitions()), Optional.empty())
              .configs(t.config()));
    }
    Map<String, KafkaFuture<Void>> results =
        admin
            .createTopics(requests, new CreateTopicsOptions().timeoutMs(remainingMillis(deadline)))
            .values();
    for (Map.Entry<String, KafkaFuture<Void>> r : results.entrySet()) {
      try {
        await(r.getValue(), deadline);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof TopicExistsException) {
          continue;
        }
        throw failure("cannot create topic " + r.getKey(), e.getCause(), timeout);
      } catch (java.util.concurrent.TimeoutException e) {
        throw notReady(timeout, "topic " + r.getKey() + " was not created");
      }
    }
  }

  /** Polls describeTopics until every partition of every topic has a leader. */
  private static Map<String, TopicDescription> awaitLeaders(
      Admin admin, Set<String> names, long deadline, Duration timeout) throws InterruptedException {
    String waitingFor;
    while (true) {
      try {
        Map<String, TopicDescription> described =
            await(
                admin
                    .describeTopics(
                        names, new DescribeTopicsOptions().timeoutMs(remainingMillis(deadline)))
                    .allTopicNames(),
                deadline);
        waitingFor = withoutLeader(described);
        if (waitingFor == null) {
          return described;
        }
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RetriableException)) { // UnknownTopicOrPartition is retriable
          throw failure("cannot describe topics " + names, e.getCause(), timeout);
        }
        waitingFor = e.getCause().getMessage();
      } catch (java.util.concurrent.TimeoutException e) {
        waitingFor = "an answer to describeTopics";
      }
      if (System.nanoTime() - deadline >= 0) {
        throw notReady(timeout, "waiting for " + waitingFor);
      }
      Thread.sleep(POLL_MILLIS);
    }
  }

  private static String withoutLeader(Map<String, TopicDescription> described) {
    for (TopicDescription d : described.values()) {
      for (TopicPartitionInfo p : d.partitions()) {
        if (p.leader() == null || p.leader().isEmpty()) {
          return "a leader of " + d.name() + "-" + p.partition();
        }
      }
    }
    return null;
  }

  /** Asks every partition's leader for its latest offset, which only a ready leader answers. */
  private static void awaitLeadersAnswer(
      Admin admin, Map<String, TopicDescription> described, long deadline, Duration timeout)
      throws InterruptedException {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (TopicDescription d : described.values()) {
      for (TopicPartitionInfo p : d.partitions()) {
        request.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
      }
    }
    while (true) {
      String waitingFor;
      try {
        // The admin client itself retries NOT_LEADER_OR_FOLLOWER and UNKNOWN_TOPIC_OR_PARTITION.
        await(
            admin
                .listOffsets(request, new ListOffsetsOptions().timeoutMs(remainingMillis(deadline)))
                .all(),
            deadline);
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RetriableException)) {
          throw failure("cannot list offsets of " + described.keySet(), e.getCause(), timeout);
        }
        waitingFor = e.getCause().getMessage();
      } catch (java.util.concurrent.TimeoutException e) {
        waitingFor = "an answer to listOffsets";
      }
      if (System.nanoTime() - deadline >= 0) {
        throw notReady(timeout, "waiting for " + waitingFor);
      }
      Thread.sleep(POLL_MILLIS);
    }
  }

  private static <T> T await(KafkaFuture<T> future, long deadline)
      throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
    return future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  private static int remainingMillis(long deadline) {
    long ms = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, ms));
  }

  private static KafkaException failure(String what, Throwable cause, Duration timeout) {
    if (cause instanceof TimeoutException) {
      return notReady(timeout, what + ": " + cause.getMessage());
    }
    return new KafkaException(what + ": " + cause.getMessage(), cause);
  }

  private static TimeoutException notReady(Duration timeout, String detail) {
    return new TimeoutException("topics not ready within " + timeout.toMillis() + " ms: " + detail);
  }
}
