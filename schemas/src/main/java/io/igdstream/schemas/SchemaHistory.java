package io.igdstream.schemas;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.SchemaStore;

/**
 * Every schema version the project has shipped: the append-only archive under {@code
 * src/main/resources/io/igdstream/schemas/history/}, listed in its {@code INDEX} file. Records are
 * written with single-object encoding, whose header carries only the writer schema's 64-bit
 * fingerprint (CRC-64-AVRO of the parsing canonical form), so a reader can resolve an older writer
 * schema only if it finds that fingerprint here: there is no schema registry.
 *
 * <p>The archive holds the current versions too ({@code SchemaHistoryTest} fails when a current
 * schema's fingerprint is missing from it). To change a schema: edit its {@code .avsc} in a
 * backward-compatible way (new fields need defaults), then archive the new version as {@code
 * <Name>-v<N+1>.avsc} (fully inlined, as {@code Name.getClassSchema().toString(true)} prints it)
 * and list it in {@code INDEX}. Never edit or delete an archived file.
 */
public final class SchemaHistory {

  static final String DIRECTORY = "/io/igdstream/schemas/history/";
  private static final Pattern FILE_NAME = Pattern.compile("([A-Za-z0-9_]+)-v([0-9]+)\\.avsc");

  /** The generated record classes the project writes, one per top-level schema. */
  public static final List<Class<?>> RECORD_TYPES =
      List.of(
          ImageSample.class,
          AdversarialSample.class,
          CorruptedSample.class,
          SnapshotHeader.class,
          SnapshotChunk.class,
          RobustnessReport.class,
          DeadLetter.class);

  private static volatile SchemaHistory shipped;

  private final Map<Long, Version> byFingerprint;

  /** One archived schema version. */
  public record Version(
      String fullName, int version, String file, Schema schema, long fingerprint) {}

  private SchemaHistory(List<Version> versions) {
    Map<Long, Version> map = new LinkedHashMap<>();
    for (Version v : versions) {
      Version clash = map.putIfAbsent(v.fingerprint(), v);
      if (clash != null) {
        throw new IllegalStateException(
            "schema history: " + v.file() + " has the same fingerprint as " + clash.file());
      }
    }
    this.byFingerprint = Collections.unmodifiableMap(map);
  }

  /** The archive on the class path, loaded once. */
  public static SchemaHistory shipped() {
    SchemaHistory h = shipped;
    if (h == null) {
      synchronized (SchemaHistory.class) {
        h = shipped;
        if (h == null) {
          h = load();
          shipped = h;
        }
      }
    }
    return h;
  }

  /** A history of the given schemas only (tests; a reader that predates some versions). */
  static SchemaHistory of(List<Schema> schemas) {
    List<Version> versions = new ArrayList<>();
    for (Schema s : schemas) {
      versions.add(
          new Version(s.getFullName(), versions.size() + 1, "<memory>", s, fingerprint(s)));
    }
    return new SchemaHistory(versions);
  }

  /** Every archived version, in INDEX order. */
  public List<Version> versions() {
    return List.copyOf(byFingerprint.values());
  }

  /** The archived versions of the named record type, oldest first. */
  public List<Version> versionsOf(String fullName) {
    return byFingerprint.values().stream().filter(v -> v.fullName().equals(fullName)).toList();
  }

  /** The archived version with that fingerprint, of any record type. */
  public Optional<Version> find(long fingerprint) {
    return Optional.ofNullable(byFingerprint.get(fingerprint));
  }

  /** A schema store holding the archived versions of one record type only. */
  public SchemaStore.Cache storeFor(String fullName) {
    SchemaStore.Cache store = new SchemaStore.Cache();
    versionsOf(fullName).forEach(v -> store.addSchema(v.schema()));
    return store;
  }

  /** The single-object encoding fingerprint of a schema. */
  public static long fingerprint(Schema schema) {
    return SchemaNormalization.parsingFingerprint64(schema);
  }

  private static SchemaHistory load() {
    List<Version> versions = new ArrayList<>();
    for (String file : indexEntries()) {
      Matcher m = FILE_NAME.matcher(file);
      if (!m.matches()) {
        throw new IllegalStateException(
            "schema history INDEX: bad file name '" + file + "', want Name-vN.avsc");
      }
      Schema schema;
      try (InputStream in = open(file)) {
        schema = new Schema.Parser().parse(in);
      } catch (IOException e) {
        throw new UncheckedIOException("schema history: cannot read " + file, e);
      }
      if (!schema.getName().equals(m.group(1))) {
        throw new IllegalStateException(
            "schema history: " + file + " holds " + schema.getFullName() + ", not " + m.group(1));
      }
      versions.add(
          new Version(
              schema.getFullName(),
              Integer.parseInt(m.group(2)),
              file,
              schema,
              fingerprint(schema)));
    }
    return new SchemaHistory(versions);
  }

  /** The file names listed in INDEX (one per line, '#' starts a comment). */
  static List<String> indexEntries() {
    List<String> files = new ArrayList<>();
    try (InputStream in = open("INDEX");
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        String entry = line.replaceFirst("#.*", "").strip();
        if (!entry.isEmpty()) {
          files.add(entry);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("schema history: cannot read INDEX", e);
    }
    return files;
  }

  private static InputStream open(String file) throws IOException {
    InputStream in = SchemaHistory.class.getResourceAsStream(DIRECTORY + file);
    if (in == null) {
      throw new IOException("missing class-path resource " + DIRECTORY + file);
    }
    return in;
  }
}
