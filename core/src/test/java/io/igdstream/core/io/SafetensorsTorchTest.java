package io.igdstream.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cross-checks against PyTorch (skipped when no python3 can import torch): Java writes, Python
 * (src/test/python/safetensors_torch.py: plain struct/json/numpy to torch) reads; Python writes,
 * Java reads. Python dumps every tensor's values as JSON, which is the common ground compared here.
 */
class SafetensorsTorchTest {

  private static final JsonMapper JSON =
      JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

  /**
   * make OUT: writes a file of known tensors; dump IN OUT: loads IN, re-saves it to OUT. Both print
   * a JSON dump.
   */
  private static final String SCRIPT =
      """
      import json, sys
      sys.path.insert(0, sys.argv[1])
      import torch
      import safetensors_torch as st

      def dump(tensors, meta):
          return json.dumps({"metadata": meta, "tensors": {
              n: {"dtype": str(t.dtype), "shape": list(t.shape), "values": t.flatten().tolist()}
              for n, t in tensors.items()}})

      mode = sys.argv[2]
      if mode == "dump":
          tensors, meta = st.load(sys.argv[3])
          st.save(sys.argv[4], tensors, meta)
      else:
          torch.manual_seed(0)
          tensors = {
              "f32": torch.randn(3, 4),
              "f64": torch.randn(2, 2, dtype=torch.float64),
              "i64": torch.tensor([[-2**62, 0, 5]]),
              "f16": torch.tensor([1.0, -0.5, 65504.0, 6e-8, float("inf")]).half(),
              "bf16": torch.randn(3).bfloat16(),
              "i32": torch.tensor([-(2**31), 7], dtype=torch.int32),
              "u8": torch.tensor([0, 200, 255], dtype=torch.uint8),
              "bool": torch.tensor([[True], [False]]),
              "scalar": torch.tensor(2.5),
              "empty": torch.zeros(0, 3),
          }
          meta = {"producer": "python", "torch": torch.__version__}
          st.save(sys.argv[3], tensors, meta)
      print(dump(tensors, meta))
      """;

  @TempDir Path dir;
  private Path script;

  @BeforeAll
  static void requireTorch() {
    assumeTrue(PythonTorch.python().isPresent(), PythonTorch.unavailableReason());
  }

  private String python(String... args) throws IOException {
    script = dir.resolve("cross_check.py");
    Files.writeString(script, SCRIPT);
    List<String> all = new ArrayList<>();
    all.add(PythonTorch.SCRIPTS.toAbsolutePath().toString());
    all.addAll(List.of(args));
    return PythonTorch.run(script, all.toArray(String[]::new));
  }

  @Test
  void pythonReadsWhatJavaWritesAndWritesItBackIdentically() throws IOException {
    LinkedHashMap<String, TensorData> tensors = SafetensorsTest.sample();
    Map<String, String> meta = Map.of("producer", "java", "note", "ünïcödé ✓");
    Path javaFile = dir.resolve("java.safetensors");
    Path pythonFile = dir.resolve("python.safetensors");
    Safetensors.write(javaFile, tensors, meta);

    JsonNode dump = JSON.readTree(python("dump", javaFile.toString(), pythonFile.toString()));

    assertEquals(meta, JSON.convertValue(dump.get("metadata"), Map.class));
    assertEquals(List.copyOf(tensors.keySet()), fieldNames(dump.get("tensors")));
    for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
      assertMatches(e.getKey(), e.getValue(), dump.get("tensors").get(e.getKey()));
    }
    // and Python's re-encoding decodes in Java to the very same tensors
    SafetensorsFile back = Safetensors.read(pythonFile);
    assertEquals(tensors, back.tensors());
    assertEquals(meta, back.metadata());
  }

  @Test
  void javaReadsWhatPythonWrites() throws IOException {
    Path pythonFile = dir.resolve("python.safetensors");
    JsonNode dump = JSON.readTree(python("make", pythonFile.toString()));

    SafetensorsFile f = Safetensors.read(pythonFile);

    assertEquals("python", f.metadata().get("producer"));
    assertEquals(fieldNames(dump.get("tensors")), List.copyOf(f.tensors().keySet()));
    for (Map.Entry<String, TensorData> e : f.tensors().entrySet()) {
      assertMatches(e.getKey(), e.getValue(), dump.get("tensors").get(e.getKey()));
    }
    assertEquals("BF16", f.tensor("bf16").dtype());
    assertEquals("BOOL", f.tensor("bool").dtype());
    assertArrayEquals(new long[] {}, f.tensor("scalar").shape());
  }

  /**
   * Compares one tensor with Python's {"dtype": "torch.float32", "shape": [...], "values": [...]}.
   */
  private static void assertMatches(String name, TensorData t, JsonNode py) {
    String torchDtype =
        switch (t.dtype()) {
          case "F32" -> "torch.float32";
          case "F64" -> "torch.float64";
          case "F16" -> "torch.float16";
          case "BF16" -> "torch.bfloat16";
          case "I64" -> "torch.int64";
          case "I32" -> "torch.int32";
          case "U8" -> "torch.uint8";
          case "BOOL" -> "torch.bool";
          default -> throw new AssertionError("unexpected dtype " + t.dtype());
        };
    assertEquals(torchDtype, py.get("dtype").asText(), name);
    long[] shape = new long[py.get("shape").size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = py.get("shape").get(i).asLong();
    }
    assertArrayEquals(shape, t.shape(), name);
    JsonNode values = py.get("values");
    assertEquals(t.elementCount(), values.size(), name);
    switch (t.dtype()) {
      case "F32", "F16", "BF16" -> {
        float[] f = t.toFloats();
        for (int i = 0; i < f.length; i++) {
          assertEquals(
              Float.floatToIntBits(f[i]),
              Float.floatToIntBits((float) values.get(i).asDouble()),
              name + "[" + i + "]");
        }
      }
      case "F64" -> {
        double[] d = t.toDoubles();
        for (int i = 0; i < d.length; i++) {
          assertEquals(d[i], values.get(i).asDouble(), 0.0, name + "[" + i + "]");
        }
      }
      default -> {
        long[] l = t.toLongs();
        for (int i = 0; i < l.length; i++) {
          JsonNode v = values.get(i);
          assertEquals(
              l[i],
              v.isBoolean() ? (v.booleanValue() ? 1 : 0) : v.longValue(),
              name + "[" + i + "]");
        }
      }
    }
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.properties().forEach(e -> names.add(e.getKey()));
    return names;
  }
}
