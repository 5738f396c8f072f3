package io.igdstream.schemas;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a snapshot signature covers and where it travels (docs/SECURITY.md "Signed snapshots").
 *
 * <p>The trainer signs, with Ed25519, a canonical byte string of every header field: model id,
 * version, architecture, input shape, classes, chunk count, total bytes, the payload's SHA-256,
 * creation time and the metadata entries sorted by key (the signature's own entry left out). The
 * payload is covered through its SHA-256, which followers already check against the chunks; the
 * version is covered, so an older snapshot republished under a newer version fails.
 *
 * <p>The signature travels in the header's {@code metadata} map under {@link #METADATA_KEY}, as
 * {@code ed25519:<base64>}. Not a new header field: records carry only their writer schema's
 * fingerprint, so a follower of an older release would dead-letter every header of a newer schema
 * as an unknown schema; the metadata map is in every shipped header version, so older followers
 * read signed snapshots as before. Not a Kafka record header: those are lost by tools that copy
 * record values (and the header record's value is what the follower checks).
 */
public final class SnapshotSignature {

  /** The metadata key of the signature. */
  public static final String METADATA_KEY = "igd.signature";

  /** The prefix of the signature's value (the algorithm). */
  public static final String PREFIX = "ed25519:";

  /** The JDK's name of the algorithm. */
  public static final String ALGORITHM = "Ed25519";

  private static final String DOMAIN = "igd-stream snapshot signature v1";

  private SnapshotSignature() {}

  /** The bytes that are signed: every header field but the signature, in a fixed order. */
  public static byte[] signedBytes(SnapshotHeader h) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      string(out, DOMAIN);
      string(out, h.getModelId().toString());
      out.writeLong(h.getVersion());
      string(out, h.getArchitecture().toString());
      out.writeInt(h.getChannels());
      out.writeInt(h.getHeight());
      out.writeInt(h.getWidth());
      out.writeInt(h.getClasses());
      out.writeInt(h.getChunkCount());
      out.writeLong(h.getTotalBytes());
      out.write(h.getSha256().bytes());
      out.writeLong(h.getCreatedAtMs());
      Map<String, String> metadata = new TreeMap<>();
      metadata.putAll(h.getMetadata());
      metadata.remove(METADATA_KEY);
      out.writeInt(metadata.size());
      for (Map.Entry<String, String> e : metadata.entrySet()) {
        string(out, e.getKey());
        string(out, e.getValue());
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
  }

  /** The header's signature entry, if any. */
  static String of(SnapshotHeader h) {
    return h.getMetadata().get(METADATA_KEY);
  }

  private static void string(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  /** The DER bytes inside a PEM file's {@code -----BEGIN <type>-----} block. */
  static byte[] pem(Path file, String type) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
    String begin = "-----BEGIN " + type + "-----";
    String end = "-----END " + type + "-----";
    int from = text.indexOf(begin);
    int to = text.indexOf(end);
    if (from < 0 || to < from) {
      // never echo the file: it may be the private key
      throw new IllegalArgumentException(file + " is not a PEM file with a " + type + " block");
    }
    try {
      return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": the " + type + " block is not base64", e);
    }
  }

  /** A PEM block of {@code der}, 64 characters a line. */
  static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
