package io.igdstream.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SafetensorsTest {

  @TempDir Path dir;

  // --- helpers ---------------------------------------------------------------------------------

  /** A file built by hand: 8-byte LE length, the JSON exactly as given, then the buffer. */
  static byte[] file(String json, byte[] buffer) {
    byte[] js = json.getBytes(StandardCharsets.UTF_8);
    return file(js.length, js, buffer);
  }

  static byte[] file(long declaredLength, byte[] json, byte[] buffer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(declaredLength).array());
    out.writeBytes(json);
    out.writeBytes(buffer);
    return out.toByteArray();
  }

  static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  static LinkedHashMap<String, TensorData> sample() {
    LinkedHashMap<String, TensorData> t = new LinkedHashMap<>();
    t.put(
        "conv.weight",
        TensorData.ofFloats(
            new long[] {2, 1, 2, 2},
            new float[] {
              1f,
              -2.5f,
              3.25f,
              Float.MIN_VALUE,
              Float.MAX_VALUE,
              -0f,
              Float.NaN,
              Float.NEGATIVE_INFINITY
            }));
    t.put("a.bias", TensorData.ofDoubles(new long[] {3}, new double[] {Math.PI, -1e-300, 1.0 / 3}));
    t.put("step", TensorData.ofLongs(new long[] {}, new long[] {Long.MIN_VALUE}));
    t.put("labels", TensorData.ofLongs(new long[] {2, 2}, new long[] {0, 9, -1, Long.MAX_VALUE}));
    t.put("empty", TensorData.ofFloats(new long[] {0, 5}, new float[0]));
    t.put("counts", TensorData.ofInts(new long[] {3}, new int[] {-7, 0, Integer.MAX_VALUE}));
    t.put("ünïcödé/name", TensorData.ofFloats(new long[] {1}, new float[] {42f}));
    return t;
  }

  // --- round trips and layout ------------------------------------------------------------------

  @Test
  void roundTripKeepsTensorsValuesOrderAndMetadata() {
    LinkedHashMap<String, TensorData> tensors = sample();
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "pt");
    meta.put("epoch", "3");
    meta.put("note", "quotes \" and \\ and ✓");

    SafetensorsFile f = Safetensors.decode(Safetensors.encode(tensors, meta));

    assertEquals(List.copyOf(tensors.keySet()), List.copyOf(f.tensors().keySet()));
    assertEquals(tensors, f.tensors());
    assertEquals(meta, f.metadata());
    assertEquals(List.copyOf(meta.keySet()), List.copyOf(f.metadata().keySet()));
    assertArrayEquals(tensors.get("conv.weight").toFloats(), f.tensor("conv.weight").toFloats());
    assertArrayEquals(new double[] {Math.PI, -1e-300, 1.0 / 3}, f.tensor("a.bias").toDoubles());
    assertArrayEquals(new long[] {Long.MIN_VALUE}, f.tensor("step").toLongs());
    assertArrayEquals(new long[] {}, f.tensor("step").shape());
    assertEquals(0, f.tensor("empty").elementCount());
    assertArrayEquals(new long[] {-7, 0, Integer.MAX_VALUE}, f.tensor("counts").toLongs());
  }

  @Test
  void noTensorsAndNoMetadataRoundTrip() {
    byte[] b = Safetensors.encode(Map.of(), null);
    SafetensorsFile f = Safetensors.decode(b);
    assertTrue(f.tensors().isEmpty());
    assertTrue(f.metadata().isEmpty());
    assertEquals(16, b.length, "8-byte length + '{}' padded to 8");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 17})
  void headerLengthIsAMultipleOfEightPaddedWithSpaces(int nameLength) {
    Map<String, TensorData> t =
        Map.of("x".repeat(nameLength), TensorData.ofFloats(new long[] {1}, new float[] {1f}));
    byte[] b = Safetensors.encode(t, Map.of("k", "v".repeat(nameLength)));
    long n = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, n % 8, "header length " + n);
    assertEquals(8 + n + 4, b.length);
    String header = new String(b, 8, (int) n, StandardCharsets.UTF_8);
    assertTrue(header.startsWith("{"), header);
    assertTrue(header.stripTrailing().endsWith("}"), header);
    assertTrue(header.substring(header.lastIndexOf('}') + 1).chars().allMatch(c -> c == ' '));
  }

  @Test
  void encodedHeaderHasTheDocumentedShape() {
    LinkedHashMap<String, TensorData> t = new LinkedHashMap<>();
    t.put("w", TensorData.ofFloats(new long[] {2}, new float[] {1, 2}));
    t.put("y", TensorData.ofLongs(new long[] {1}, new long[] {3}));
    byte[] b = Safetensors.encode(t, Map.of("k", "v"));
    long n = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(
        "{\"__metadata__\":{\"k\":\"v\"},"
            + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"y\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[8,16]}}",
        new String(b, 8, (int) n, StandardCharsets.UTF_8).strip());
  }

  // --- hand-built files ------------------------------------------------------------------------

  @Test
  void handBuiltFileDecodesToTheExpectedValues() {
    // "w": F32 [2] = {1.0, -2.0}; "i": I64 [] = 258; "d": F64 [1] = 0.5; header listed out of data
    // order
    String json =
        "{\"i\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]},"
            + " \"__metadata__\": {\"source\": \"hand\"},"
            + " \"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + " \"d\":{\"shape\":[1],\"dtype\":\"F64\",\"data_offsets\":[16,24]}}   ";
    byte[] buffer =
        bytes(
            0x00, 0x00, 0x80, 0x3f, // 1.0f
            0x00, 0x00, 0x00, 0xc0, // -2.0f
            0x02, 0x01, 0, 0, 0, 0, 0, 0, // 258L
            0, 0, 0, 0, 0, 0, 0xe0, 0x3f); // 0.5
    SafetensorsFile f = Safetensors.decode(file(json, buffer));

    assertEquals(List.of("i", "w", "d"), List.copyOf(f.tensors().keySet()));
    assertEquals(Map.of("source", "hand"), f.metadata());
    assertArrayEquals(new float[] {1f, -2f}, f.tensor("w").toFloats());
    assertArrayEquals(new long[] {2}, f.tensor("w").shape());
    assertArrayEquals(new long[] {258}, f.tensor("i").toLongs());
    assertArrayEquals(new double[] {0.5}, f.tensor("d").toDoubles());
    assertEquals("F64", f.tensor("d").dtype());
  }

  @Test
  void handBuiltNarrowDtypesDecodeWithTheirElementSizes() {
    String json =
        "{\"h\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[8,12]},"
            + "\"n\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[12,16]},"
            + "\"u\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[16,18]},"
            + "\"m\":{\"dtype\":\"BOOL\",\"shape\":[2,1],\"data_offsets\":[18,20]}}";
    byte[] buffer =
        bytes(
            0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x7c, // F16 1, -2, 2^-24, +inf
            0x80, 0x3f, 0x40, 0xc0, // BF16 1.0, -3.0
            0xfe, 0xff, 0xff, 0xff, // I32 -2
            0x00, 0xff, // U8 0, 255
            0x01, 0x00); // BOOL true, false
    SafetensorsFile f = Safetensors.decode(file(json, buffer));
    assertArrayEquals(
        new float[] {1f, -2f, 0x1p-24f, Float.POSITIVE_INFINITY}, f.tensor("h").toFloats());
    assertArrayEquals(new float[] {1f, -3f}, f.tensor("b").toFloats());
    assertArrayEquals(new long[] {-2}, f.tensor("n").toLongs());
    assertArrayEquals(new long[] {0, 255}, f.tensor("u").toLongs());
    assertArrayEquals(new long[] {1, 0}, f.tensor("m").toLongs());
    assertArrayEquals(new double[] {1, -3}, f.tensor("b").toDoubles());
  }

  @Test
  void halfPrecisionConversionCoversSubnormalsNanAndSignedZero() {
    assertEquals(65504f, TensorData.halfToFloat((short) 0x7bff));
    assertEquals(0x1p-14f, TensorData.halfToFloat((short) 0x0400));
    assertEquals(0x3ffp-24f, TensorData.halfToFloat((short) 0x03ff));
    assertEquals(
        Float.floatToIntBits(-0f), Float.floatToIntBits(TensorData.halfToFloat((short) 0x8000)));
    assertTrue(Float.isNaN(TensorData.halfToFloat((short) 0x7e00)));
    assertEquals(Float.NEGATIVE_INFINITY, TensorData.halfToFloat((short) 0xfc00));
  }

  // --- malformed files -------------------------------------------------------------------------

  static final String W8 = "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

  static Stream<Arguments> malformed() {
    byte[] eight = new byte[8];
    return Stream.of(
        Arguments.of("empty file", new byte[0], "shorter than the 8-byte header length"),
        Arguments.of("7 bytes", new byte[7], "file is 7 bytes, shorter than the 8-byte"),
        Arguments.of(
            "header length beyond file",
            file(100, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]),
            "header length 100 exceeds the 2 bytes"),
        Arguments.of(
            "header length with the top bit set",
            file(-1L, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]),
            "header length 18446744073709551615 exceeds"),
        Arguments.of("invalid JSON", file("{\"w\": ", eight), "header is not valid JSON"),
        Arguments.of(
            "JSON not an object", file("[1, 2]", new byte[0]), "header is not a JSON object"),
        Arguments.of(
            "trailing JSON tokens", file("{} {}", new byte[0]), "header is not valid JSON"),
        Arguments.of(
            "invalid UTF-8",
            file(2 + 4, bytes('{', '"', 0xff, '"', ':', '}'), new byte[0]),
            "header is not valid JSON"),
        Arguments.of(
            "duplicate tensor name", file("{" + W8 + "," + W8 + "}", eight), "Duplicate field 'w'"),
        Arguments.of(
            "unknown dtype",
            file("{\"w\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}", eight),
            "tensor 'w': unknown dtype 'F33'"),
        Arguments.of(
            "missing dtype",
            file("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", eight),
            "tensor 'w': missing or non-string 'dtype'"),
        Arguments.of(
            "unexpected key",
            file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", eight),
            "tensor 'w': unexpected key 'x'"),
        Arguments.of(
            "entry not an object",
            file("{\"w\":3}", new byte[0]),
            "tensor 'w': entry is not a JSON object"),
        Arguments.of(
            "negative dimension",
            file("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", eight),
            "tensor 'w': 'shape' entries must be non-negative integers"),
        Arguments.of(
            "fractional dimension",
            file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", eight),
            "tensor 'w': 'shape' entries must be non-negative integers"),
        Arguments.of(
            "three offsets",
            file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}", eight),
            "tensor 'w': 'data_offsets' must have 2 entries, has 3"),
        Arguments.of(
            "offsets beyond buffer",
            file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", eight),
            "tensor 'w': data_offsets [0, 16] out of range of the 8-byte data buffer"),
        Arguments.of(
            "begin after end",
            file("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", eight),
            "tensor 'w': data_offsets [8, 0] begin after end"),
        Arguments.of(
            "offsets not matching dtype x shape",
            file("{\"w\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,8]}}", eight),
            "tensor 'w': data_offsets [0, 8] hold 8 bytes but F64 [2] needs 16"),
        Arguments.of(
            "huge shape",
            file(
                "{\"w\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],"
                    + "\"data_offsets\":[0,8]}}",
                eight),
            "tensor 'w': shape [4294967296, 4294967296] has too many elements"),
        Arguments.of(
            "overlapping tensors",
            file(
                "{" + W8 + ",\"v\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                new byte[12]),
            "tensor 'v' data [4, 12) overlaps tensor 'w' [0, 8)"),
        Arguments.of(
            "gap between tensors",
            file(
                "{" + W8 + ",\"v\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}",
                new byte[16]),
            "data is not contiguous: gap of 4 bytes at [8, 12) before tensor 'v'"),
        Arguments.of(
            "data not starting at 0",
            file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", eight),
            "gap of 4 bytes at [0, 4) before tensor 'w'"),
        Arguments.of(
            "trailing bytes", file("{" + W8 + "}", new byte[11]), "3 trailing bytes at [8, 11)"),
        Arguments.of("bytes but no tensors", file("{}", new byte[1]), "1 trailing bytes at [0, 1)"),
        Arguments.of(
            "metadata value not a string",
            file("{\"__metadata__\":{\"epoch\":3}}", new byte[0]),
            "__metadata__ value for 'epoch' is not a string"),
        Arguments.of(
            "metadata not an object",
            file("{\"__metadata__\":\"x\"}", new byte[0]),
            "__metadata__ must be a JSON object"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void malformedFilesAreRejectedNamingTheProblem(String name, byte[] bytes, String expected) {
    SafetensorsFormatException e =
        assertThrows(SafetensorsFormatException.class, () -> Safetensors.decode(bytes));
    assertTrue(
        e.getMessage().contains(expected),
        () -> "expected '" + expected + "' in: " + e.getMessage());
    assertTrue(e instanceof IllegalArgumentException);
  }

  @Test
  void wellFormedVariantsOfTheMalformedCasesDecode() {
    // sanity: the building blocks above are valid when combined correctly
    SafetensorsFile f = Safetensors.decode(file("{" + W8 + "}", new byte[8]));
    assertArrayEquals(new float[] {0, 0}, f.tensor("w").toFloats());
    // zero-sized tensors may share an offset
    String two0 =
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
            + "\"b\":{\"dtype\":\"I64\",\"shape\":[3,0],\"data_offsets\":[0,0]}}";
    assertEquals(2, Safetensors.decode(file(two0, new byte[0])).tensors().size());
  }

  // --- TensorData and encode validation --------------------------------------------------------

  @Test
  void tensorDataRejectsDataThatDoesNotMatchDtypeTimesShape() {
    SafetensorsFormatException e =
        assertThrows(
            SafetensorsFormatException.class,
            () -> new TensorData("F32", new long[] {2, 2}, new byte[12]));
    assertEquals("data has 12 bytes but F32 [2, 2] needs 16", e.getMessage());
    assertThrows(
        SafetensorsFormatException.class, () -> new TensorData("F31", new long[] {1}, new byte[4]));
    assertThrows(
        SafetensorsFormatException.class,
        () -> TensorData.ofFloats(new long[] {3}, new float[] {1, 2}));
    assertThrows(
        SafetensorsFormatException.class, () -> new TensorData("U8", new long[] {-1}, new byte[0]));
  }

  @Test
  void tensorDataReadsOnlyCompatibleDtypes() {
    TensorData longs = TensorData.ofLongs(new long[] {1}, new long[] {1});
    IllegalStateException e = assertThrows(IllegalStateException.class, longs::toFloats);
    assertEquals("tensor of dtype I64 cannot be read as floats", e.getMessage());
    assertThrows(IllegalStateException.class, longs::toDoubles);
    assertThrows(
        IllegalStateException.class,
        () -> TensorData.ofDoubles(new long[] {1}, new double[] {1}).toLongs());
    assertThrows(
        IllegalStateException.class,
        () -> TensorData.ofDoubles(new long[] {1}, new double[] {1}).toFloats());
  }

  @Test
  void tensorDataShapeIsDefensivelyCopiedAndEqualityIsByContent() {
    long[] shape = {2};
    TensorData a = TensorData.ofFloats(shape, new float[] {1, 2});
    shape[0] = 5;
    a.shape()[0] = 7;
    assertArrayEquals(new long[] {2}, a.shape());
    assertEquals(a, TensorData.ofFloats(new long[] {2}, new float[] {1, 2}));
    assertEquals(a.hashCode(), TensorData.ofFloats(new long[] {2}, new float[] {1, 2}).hashCode());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "__metadata__"})
  void encodeRejectsReservedOrEmptyTensorNames(String name) {
    Map<String, TensorData> t = Map.of(name, TensorData.ofFloats(new long[] {1}, new float[] {1}));
    assertThrows(SafetensorsFormatException.class, () -> Safetensors.encode(t, Map.of()));
  }

  // --- files -----------------------------------------------------------------------------------

  @Test
  void writeThenReadRoundTripsAndLeavesNoTempFiles() throws IOException {
    Path f = dir.resolve("model.safetensors");
    Safetensors.write(f, sample(), Map.of("k", "v"));
    SafetensorsFile back = Safetensors.read(f);
    assertEquals(sample(), back.tensors());
    assertEquals(Map.of("k", "v"), back.metadata());
    assertEquals(List.of(f), list(dir));
  }

  @Test
  void writeReplacesAnExistingFileOnlyAtTheEnd() throws IOException {
    Path f = dir.resolve("model.safetensors");
    byte[] old =
        Safetensors.encode(Map.of("old", TensorData.ofLongs(new long[] {1}, new long[] {1})), null);
    Files.write(f, old);
    Map<String, TensorData> next = sample();
    boolean[] hookRan = {false};

    Safetensors.write(
        f,
        next,
        null,
        () -> {
          hookRan[0] = true;
          try {
            // the new bytes are complete in a temp file next to the target; the target is untouched
            assertArrayEquals(old, Files.readAllBytes(f));
            List<Path> files = list(dir);
            assertEquals(2, files.size(), files::toString);
            Path tmp = files.stream().filter(p -> !p.equals(f)).findFirst().orElseThrow();
            assertTrue(tmp.getFileName().toString().endsWith(".tmp"), tmp::toString);
            assertEquals(next, Safetensors.read(tmp).tensors());
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });

    assertTrue(hookRan[0]);
    assertEquals(next, Safetensors.read(f).tensors());
    assertEquals(List.of(f), list(dir));
  }

  @Test
  void failedWriteKeepsTheOldFileAndRemovesTheTempFile() throws IOException {
    Path f = dir.resolve("model.safetensors");
    Files.write(f, bytes(1, 2, 3));
    assertThrows(
        IllegalStateException.class,
        () ->
            Safetensors.write(
                f,
                sample(),
                null,
                () -> {
                  throw new IllegalStateException("crash before rename");
                }));
    assertArrayEquals(bytes(1, 2, 3), Files.readAllBytes(f));
    assertEquals(List.of(f), list(dir));

    Map<String, TensorData> bad =
        Map.of("__metadata__", TensorData.ofLongs(new long[] {}, new long[] {0}));
    assertThrows(SafetensorsFormatException.class, () -> Safetensors.write(f, bad, null));
    assertArrayEquals(bytes(1, 2, 3), Files.readAllBytes(f));
    assertEquals(List.of(f), list(dir));
  }

  @Test
  void writeIntoAMissingDirectoryFailsWithUncheckedIoException() {
    assertThrows(
        UncheckedIOException.class,
        () -> Safetensors.write(dir.resolve("no/such/dir/x.safetensors"), sample(), null));
  }

  @Test
  void readNamesTheFileInFormatErrorsAndWrapsIoErrors() throws IOException {
    Path f = dir.resolve("broken.safetensors");
    Files.write(f, bytes(1, 2, 3));
    SafetensorsFormatException e =
        assertThrows(SafetensorsFormatException.class, () -> Safetensors.read(f));
    assertTrue(e.getMessage().startsWith(f + ": file is 3 bytes"), e.getMessage());
    assertThrows(UncheckedIOException.class, () -> Safetensors.read(dir.resolve("missing")));
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }
}
