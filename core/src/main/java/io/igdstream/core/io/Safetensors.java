package io.igdstream.core.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes the Hugging Face <a
 * href="https://github.com/huggingface/safetensors">safetensors</a> format: an 8-byte little-endian
 * header length {@code N}, {@code N} bytes of UTF-8 JSON
 *
 * <pre>{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...,
 *  "__metadata__": {"key": "value"}}</pre>
 *
 * then the data buffer. Offsets are relative to the start of the buffer; tensors are contiguous,
 * little-endian and row-major. {@link #encode} pads the header with spaces to a multiple of 8 bytes
 * so the buffer is 8-byte aligned, writes {@code __metadata__} first (only when non-empty) and the
 * tensors in map order. {@link #decode} validates everything and throws {@link
 * SafetensorsFormatException} naming the problem.
 */
public final class Safetensors {

  /** The reserved header key for string metadata. */
  public static final String METADATA_KEY = "__metadata__";

  /** Largest header accepted by {@link #decode} (as in the reference implementation). */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  private static final Set<String> TENSOR_KEYS = Set.of("dtype", "shape", "data_offsets");

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_LONG_FOR_INTS);

  private Safetensors() {}

  /**
   * The bytes of a safetensors file holding {@code tensors} (in map order) and {@code metadata}
   * ({@code null} or empty for none).
   *
   * @throws SafetensorsFormatException for a reserved or empty tensor name or a file over 2 GiB
   */
  public static byte[] encode(Map<String, TensorData> tensors, Map<String, String> metadata) {
    ObjectNode header = JSON.createObjectNode();
    if (metadata != null && !metadata.isEmpty()) {
      ObjectNode meta = header.putObject(METADATA_KEY);
      metadata.forEach(
          (k, v) -> {
            if (k == null || v == null) {
              throw new SafetensorsFormatException("metadata keys and values must not be null");
            }
            meta.put(k, v);
          });
    }
    long offset = 0;
    for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
      String name = e.getKey();
      if (name == null || name.isEmpty() || name.equals(METADATA_KEY)) {
        throw new SafetensorsFormatException("invalid tensor name '" + name + "'");
      }
      TensorData t = e.getValue();
      ObjectNode info = header.putObject(name);
      info.put("dtype", t.dtype());
      ArrayNode shape = info.putArray("shape");
      for (long d : t.shape()) {
        shape.add(d);
      }
      long end = offset + t.data().length;
      info.putArray("data_offsets").add(offset).add(end);
      offset = end;
    }
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(header);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize header", e);
    }
    int padded = (json.length + 7) / 8 * 8;
    long total = 8L + padded + offset;
    if (total > Integer.MAX_VALUE - 8) {
      throw new SafetensorsFormatException("file of " + total + " bytes exceeds 2 GiB");
    }
    ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(padded).put(json);
    for (int i = json.length; i < padded; i++) {
      out.put((byte) ' ');
    }
    for (TensorData t : tensors.values()) {
      out.put(t.data());
    }
    return out.array();
  }

  /**
   * Parses and validates a safetensors file. Tensors keep header order; each one's data is copied
   * out of {@code bytes}.
   *
   * @throws SafetensorsFormatException when the file is shorter than 8 bytes, the header length
   *     exceeds the file, the header is not a JSON object of valid tensor entries, a dtype is
   *     unknown, a tensor's offsets are out of range or disagree with dtype × shape, tensors
   *     overlap or leave gaps, or bytes after the last tensor are not covered
   */
  public static SafetensorsFile decode(byte[] bytes) {
    if (bytes.length < 8) {
      throw new SafetensorsFormatException(
          "file is " + bytes.length + " bytes, shorter than the 8-byte header length");
    }
    long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (n < 0 || n > bytes.length - 8L) {
      throw new SafetensorsFormatException(
          "header length "
              + Long.toUnsignedString(n)
              + " exceeds the "
              + (bytes.length - 8)
              + " bytes after the length field");
    }
    if (n > MAX_HEADER_BYTES) {
      throw new SafetensorsFormatException(
          "header length " + n + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
    }
    int bufferStart = 8 + (int) n;
    long bufferLength = bytes.length - (long) bufferStart;

    JsonNode root;
    try {
      root = JSON.readTree(bytes, 8, (int) n);
    } catch (IOException e) {
      String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      throw new SafetensorsFormatException("header is not valid JSON: " + why, e);
    }
    if (root == null || !root.isObject()) {
      throw new SafetensorsFormatException("header is not a JSON object");
    }

    Map<String, String> metadata = Map.of();
    List<Entry> entries = new ArrayList<>();
    for (Map.Entry<String, JsonNode> field : root.properties()) {
      if (field.getKey().equals(METADATA_KEY)) {
        metadata = parseMetadata(field.getValue());
      } else {
        entries.add(parseEntry(field.getKey(), field.getValue(), bufferLength));
      }
    }
    checkContiguous(entries, bufferLength);

    LinkedHashMap<String, TensorData> tensors = new LinkedHashMap<>();
    for (Entry e : entries) {
      byte[] data =
          Arrays.copyOfRange(bytes, bufferStart + (int) e.begin, bufferStart + (int) e.end);
      tensors.put(e.name, new TensorData(e.dtype.name(), e.shape, data));
    }
    return new SafetensorsFile(tensors, metadata);
  }

  /**
   * Writes {@code tensors} and {@code metadata} to {@code file} atomically: the bytes go to a temp
   * file in the same directory, which is forced to disk and then renamed over {@code file} with
   * {@code ATOMIC_MOVE}; finally the directory is forced where the platform allows. Readers see
   * either the old file or the complete new one; no temp file is left behind, even on failure.
   *
   * @throws UncheckedIOException when writing or renaming fails (also when the file system cannot
   *     rename atomically)
   */
  public static void write(
      Path file, Map<String, TensorData> tensors, Map<String, String> metadata) {
    write(file, tensors, metadata, () -> {});
  }

  /** {@link #write} with a hook run after the temp file is complete, before the rename (tests). */
  static void write(
      Path file,
      Map<String, TensorData> tensors,
      Map<String, String> metadata,
      Runnable beforeRename) {
    byte[] bytes = encode(tensors, metadata);
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    Path tmp = null;
    try {
      tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      beforeRename.run();
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      tmp = null;
      forceDirectory(dir);
    } catch (AtomicMoveNotSupportedException e) {
      throw new UncheckedIOException("cannot rename atomically onto " + target, e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort; the original exception matters more
        }
      }
    }
  }

  /**
   * Reads and {@link #decode decodes} {@code file}.
   *
   * @throws UncheckedIOException when the file cannot be read
   * @throws SafetensorsFormatException when its contents are invalid (the message names the file)
   */
  public static SafetensorsFile read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    try {
      return decode(bytes);
    } catch (SafetensorsFormatException e) {
      throw new SafetensorsFormatException(file + ": " + e.getMessage(), e);
    }
  }

  /** Bytes per element of {@code dtype}, e.g. 4 for {@code "F32"}. */
  public static int elementSize(String dtype) {
    return SafetensorsDtype.of(dtype).elementSize();
  }

  // ---------------------------------------------------------------------------------------------

  private record Entry(String name, SafetensorsDtype dtype, long[] shape, long begin, long end) {}

  private static Map<String, String> parseMetadata(JsonNode node) {
    if (!node.isObject()) {
      throw new SafetensorsFormatException(METADATA_KEY + " must be a JSON object of strings");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (!e.getValue().isTextual()) {
        throw new SafetensorsFormatException(
            METADATA_KEY + " value for '" + e.getKey() + "' is not a string: " + e.getValue());
      }
      out.put(e.getKey(), e.getValue().textValue());
    }
    return Collections.unmodifiableMap(out);
  }

  private static Entry parseEntry(String name, JsonNode node, long bufferLength) {
    String where = "tensor '" + name + "'";
    if (name.isEmpty()) {
      throw new SafetensorsFormatException("tensor with an empty name");
    }
    if (!node.isObject()) {
      throw new SafetensorsFormatException(where + ": entry is not a JSON object");
    }
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      String key = field.getKey();
      if (!TENSOR_KEYS.contains(key)) {
        throw new SafetensorsFormatException(where + ": unexpected key '" + key + "'");
      }
    }
    JsonNode dtypeNode = node.get("dtype");
    if (dtypeNode == null || !dtypeNode.isTextual()) {
      throw new SafetensorsFormatException(where + ": missing or non-string 'dtype'");
    }
    SafetensorsDtype dtype;
    try {
      dtype = SafetensorsDtype.of(dtypeNode.textValue());
    } catch (SafetensorsFormatException e) {
      throw new SafetensorsFormatException(where + ": " + e.getMessage(), e);
    }
    long[] shape = longs(where, node.get("shape"), "shape", -1);
    long[] offsets = longs(where, node.get("data_offsets"), "data_offsets", 2);
    long begin = offsets[0];
    long end = offsets[1];
    if (begin > end) {
      throw new SafetensorsFormatException(
          where + ": data_offsets [" + begin + ", " + end + "] begin after end");
    }
    if (end > bufferLength) {
      throw new SafetensorsFormatException(
          where
              + ": data_offsets ["
              + begin
              + ", "
              + end
              + "] out of range of the "
              + bufferLength
              + "-byte data buffer");
    }
    long count;
    try {
      count = TensorData.elementCount(shape);
    } catch (SafetensorsFormatException e) {
      throw new SafetensorsFormatException(where + ": " + e.getMessage(), e);
    }
    // count * size cannot overflow meaningfully: compare via division to be safe
    long size = dtype.elementSize();
    if (count > Long.MAX_VALUE / size || count * size != end - begin) {
      throw new SafetensorsFormatException(
          where
              + ": data_offsets ["
              + begin
              + ", "
              + end
              + "] hold "
              + (end - begin)
              + " bytes but "
              + dtype
              + " "
              + Arrays.toString(shape)
              + " needs "
              + (count > Long.MAX_VALUE / size ? "more than 2^63" : String.valueOf(count * size)));
    }
    return new Entry(name, dtype, shape, begin, end);
  }

  /** A JSON array of non-negative integers ({@code length} of them unless it is -1). */
  private static long[] longs(String where, JsonNode node, String key, int length) {
    if (node == null || !node.isArray()) {
      throw new SafetensorsFormatException(where + ": missing or non-array '" + key + "'");
    }
    if (length >= 0 && node.size() != length) {
      throw new SafetensorsFormatException(
          where + ": '" + key + "' must have " + length + " entries, has " + node.size());
    }
    long[] out = new long[node.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = node.get(i);
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
        throw new SafetensorsFormatException(
            where + ": '" + key + "' entries must be non-negative integers, got " + node);
      }
      out[i] = v.longValue();
    }
    return out;
  }

  /** Tensors, sorted by offset, must tile [0, bufferLength) exactly. */
  private static void checkContiguous(List<Entry> entries, long bufferLength) {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long pos = 0;
    Entry prev = null;
    for (Entry e : sorted) {
      if (e.begin < pos) {
        throw new SafetensorsFormatException(
            "tensor '"
                + e.name
                + "' data ["
                + e.begin
                + ", "
                + e.end
                + ") overlaps tensor '"
                + prev.name
                + "' ["
                + prev.begin
                + ", "
                + prev.end
                + ")");
      }
      if (e.begin > pos) {
        throw new SafetensorsFormatException(
            "data is not contiguous: gap of "
                + (e.begin - pos)
                + " bytes at ["
                + pos
                + ", "
                + e.begin
                + ") before tensor '"
                + e.name
                + "'");
      }
      pos = e.end;
      prev = e;
    }
    if (pos != bufferLength) {
      throw new SafetensorsFormatException(
          (bufferLength - pos)
              + " trailing bytes at ["
              + pos
              + ", "
              + bufferLength
              + ") of the data buffer are not covered by any tensor");
    }
  }

  private static void forceDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // some platforms (Windows) cannot open or force directories; the rename is still atomic
    }
  }
}
