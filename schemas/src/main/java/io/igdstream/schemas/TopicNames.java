package io.igdstream.schemas;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The topic names of one dataset or experiment: every name is {@code <prefix>.<topic>}, so several
 * datasets and runs share one cluster (docs/DESIGN.md "Data flow").
 *
 * @param prefix the namespace {@code {ns}}: letters, digits, '.', '_' and '-', as Kafka allows
 */
public record TopicNames(String prefix) {

  /** Kafka's limit on a topic name's length. */
  public static final int MAX_NAME_LENGTH = 249;

  private static final Pattern LEGAL = Pattern.compile("[A-Za-z0-9._-]+");
  private static final String LONGEST_SUFFIX = ".train.adversarial";

  public TopicNames {
    if (prefix == null || prefix.isEmpty()) {
      throw new IllegalArgumentException("topic prefix must not be empty");
    }
    if (!LEGAL.matcher(prefix).matches() || prefix.equals(".") || prefix.equals("..")) {
      throw new IllegalArgumentException(
          "topic prefix '" + prefix + "' is not valid: use letters, digits, '.', '_' and '-'");
    }
    if (prefix.length() + LONGEST_SUFFIX.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(
          "topic prefix '"
              + prefix
              + "' is too long: at most "
              + (MAX_NAME_LENGTH - LONGEST_SUFFIX.length())
              + " characters, was "
              + prefix.length());
    }
  }

  /** ImageSample records, key = sample id, both splits. */
  public String samples() {
    return prefix + ".samples";
  }

  /** AdversarialSample records made by augment for the trainer. */
  public String trainAdversarial() {
    return prefix + ".train.adversarial";
  }

  /** CorruptedSample records made by corrupt from the test split. */
  public String testCorrupted() {
    return prefix + ".test.corrupted";
  }

  /** Model snapshots, chunked, published by the trainer. */
  public String snapshots() {
    return prefix + ".snapshots";
  }

  /** RobustnessReport records; compacted, key = (model id, snapshot version). */
  public String reports() {
    return prefix + ".reports";
  }

  /** DeadLetter records: undecodable or invalid input of any stage. */
  public String dlq() {
    return prefix + ".dlq";
  }

  /** All six names, in data-flow order. */
  public List<String> all() {
    return List.of(samples(), trainAdversarial(), testCorrupted(), snapshots(), reports(), dlq());
  }
}
