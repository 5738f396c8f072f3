package io.igdstream.schemas;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;

/**
 * What a Kafka client outside igd-stream needs to write or read its records ({@code igd schemas}):
 * for each record type the schema, its CRC-64-AVRO fingerprint, the 10-byte single-object header
 * that starts every record ({@code C3 01} + the fingerprint, little-endian), the topic and the key.
 * The records carry no schema id: a reader finds the writer schema by that fingerprint, so clients
 * must write the header themselves (neither Debian's python3-avro nor python3-confluent-kafka
 * does).
 */
public final class SchemaCatalog {

  /** One record type. */
  public record Entry(String fullName, Schema schema, String topic, String key) {

    /** CRC-64-AVRO of the parsing canonical form, as Avro's single-object encoding uses it. */
    public long fingerprint() {
      return SchemaHistory.fingerprint(schema);
    }

    /** The fingerprint as 16 hex digits, most significant first ({@code Long.toHexString}). */
    public String fingerprintHex() {
      return String.format(Locale.ROOT, "%016x", fingerprint());
    }

    /** {@code C3 01} and the 8 fingerprint bytes, least significant first. */
    public byte[] header() {
      byte[] h = new byte[10];
      h[0] = (byte) 0xC3;
      h[1] = (byte) 0x01;
      long fp = fingerprint();
      for (int i = 0; i < 8; i++) {
        h[2 + i] = (byte) (fp >>> (8 * i));
      }
      return h;
    }

    /** {@link #header} as space-separated upper-case hex, e.g. {@code C3 01 5A ...}. */
    public String headerHex() {
      return HexFormat.ofDelimiter(" ").withUpperCase().formatHex(header());
    }

    /** The fully inlined schema JSON, pretty-printed (what the .avsc files hold). */
    public String schemaJson() {
      return schema.toString(true);
    }

    /** The simple name, e.g. {@code ImageSample}: the .avsc file's name. */
    public String simpleName() {
      return schema.getName();
    }
  }

  private final List<Entry> entries;

  private SchemaCatalog(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /**
   * The current schema of every record type igd-stream writes, with its topic under {@code topics}.
   */
  public static SchemaCatalog of(TopicNames topics) {
    List<Entry> entries = new ArrayList<>();
    for (Class<?> type : SchemaHistory.RECORD_TYPES) {
      Schema schema = classSchema(type);
      entries.add(new Entry(schema.getFullName(), schema, topicOf(type, topics), keyOf(type)));
    }
    return new SchemaCatalog(entries);
  }

  public List<Entry> entries() {
    return entries;
  }

  /** The entry of a record type by simple or full name, e.g. {@code ImageSample}. */
  public Entry entry(String name) {
    for (Entry e : entries) {
      if (e.fullName().equals(name) || e.simpleName().equals(name)) {
        return e;
      }
    }
    throw new IllegalArgumentException(
        "unknown record type '"
            + name
            + "', expected one of "
            + entries.stream().map(Entry::simpleName).toList());
  }

  /**
   * The listing {@code igd schemas} prints: per type its name, topic, key, fingerprint and header
   * bytes, then the schema JSON.
   */
  public String render() {
    StringBuilder out = new StringBuilder();
    out.append("Every record is Avro single-object encoded: the 10 header bytes below (C3 01, then")
        .append(
            " the schema's CRC-64-AVRO fingerprint, little-endian), then the Avro binary body.\n");
    for (Entry e : entries) {
      out.append('\n')
          .append(e.fullName())
          .append("\n  topic:       ")
          .append(e.topic())
          .append("\n  key:         ")
          .append(e.key())
          .append("\n  fingerprint: ")
          .append(e.fingerprintHex())
          .append(" (CRC-64-AVRO)\n  header:      ")
          .append(e.headerHex())
          .append("\n  schema:\n");
      for (String line : e.schemaJson().split("\n")) {
        out.append("    ").append(line).append('\n');
      }
    }
    return out.toString();
  }

  /**
   * Writes {@code <Name>.avsc} for every type into {@code dir} (created if missing), each the fully
   * inlined schema; returns the files written.
   *
   * @throws UncheckedIOException naming the file that cannot be written
   */
  public List<Path> writeAvsc(Path dir) {
    List<Path> written = new ArrayList<>();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
    }
    for (Entry e : entries) {
      Path file = dir.resolve(e.simpleName() + ".avsc");
      try {
        Files.writeString(file, e.schemaJson() + "\n", StandardCharsets.UTF_8);
      } catch (IOException ex) {
        throw new UncheckedIOException("cannot write " + file + ": " + ex.getMessage(), ex);
      }
      written.add(file);
    }
    return written;
  }

  private static Schema classSchema(Class<?> type) {
    try {
      return (Schema) type.getMethod("getClassSchema").invoke(null);
    } catch (NoSuchMethodException | IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("no schema for " + type.getName(), e);
    }
  }

  private static String topicOf(Class<?> type, TopicNames topics) {
    if (type == ImageSample.class) {
      return topics.samples();
    }
    if (type == AdversarialSample.class) {
      return topics.trainAdversarial();
    }
    if (type == CorruptedSample.class) {
      return topics.testCorrupted();
    }
    if (type == SnapshotHeader.class || type == SnapshotChunk.class) {
      return topics.snapshots();
    }
    if (type == RobustnessReport.class) {
      return topics.reports();
    }
    if (type == DeadLetter.class) {
      return topics.dlq();
    }
    throw new IllegalStateException("no topic for " + type.getName());
  }

  private static String keyOf(Class<?> type) {
    if (type == ImageSample.class || type == AdversarialSample.class) {
      return "sample id, UTF-8 (e.g. train-000123)";
    }
    if (type == CorruptedSample.class) {
      return "source id / corruption / severity, UTF-8";
    }
    if (type == SnapshotHeader.class || type == SnapshotChunk.class) {
      return "model id, UTF-8 (all on partition 0)";
    }
    if (type == RobustnessReport.class) {
      return "model id / snapshot version, UTF-8";
    }
    return "the rejected record's key";
  }
}
