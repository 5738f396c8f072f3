package io.igdstream.core.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads any model file igd-stream accepts: its own checkpoints and model files ({@link Checkpoint})
 * and plain safetensors files holding a PyTorch {@code state_dict} of a supported architecture
 * (what {@code igd export} writes, or {@code torch} weights saved in that layout) in F32, F16, BF16
 * or F64. Every problem is a {@link CheckpointException} with a one-line message naming the file.
 *
 * <p>For a plain state_dict the architecture comes from the sidecar {@code FILE.json} that {@code
 * igd export} writes beside it, else from the file's {@code architecture} metadata (also written by
 * export), else from the caller's hint ({@code --model}), else from the tensor names; the input
 * shape and classes come from the sidecar, else from the tensors' shapes (the height and width of
 * small-cnn from its first linear layer, assuming square images unless the shape hint fits; those
 * of preact-resnet18, whose global pooling takes any size, from the shape hint, else 32x32). The
 * weights become F32; BatchNorm's {@code num_batches_tracked} counters are dropped (igd-stream's
 * BatchNorm uses a fixed momentum, and export writes them back as 0). A {@code module.} prefix on
 * every name (DataParallel) is removed.
 */
public final class ModelFiles {

  /**
   * Metadata key saying what a file read by {@link #read} was and where its architecture came from.
   */
  public static final String SOURCE_KEY = "weights_source";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DATA_PARALLEL_PREFIX = "module.";

  /** PyTorch's PreActResNet18 pools a 4x4 map with avg_pool2d(4): made for 32x32 inputs. */
  private static final int DEFAULT_PREACT_SIZE = 32;

  private ModelFiles() {}

  /** (C, H, W) of the images a model takes, e.g. the dataset's, as a hint or for a check. */
  public record InputShape(int channels, int height, int width) {

    public InputShape {
      if (channels < 1 || height < 1 || width < 1) {
        throw new IllegalArgumentException(
            "input shape must be positive, was " + channels + "x" + height + "x" + width);
      }
    }

    @Override
    public String toString() {
      return channels + "x" + height + "x" + width;
    }
  }

  /** {@link #read(Path, Optional, Optional)} without a shape hint. */
  public static Checkpoint read(Path file, Optional<String> modelHint) {
    return read(file, modelHint, Optional.empty());
  }

  /**
   * The model in {@code file}: what {@link Checkpoint#read} returns for igd-stream's own files, and
   * for a plain state_dict a model file (no optimiser tensors) with metadata {@code architecture},
   * {@code channels}, {@code height}, {@code width}, {@code classes}, those of {@code class_names},
   * {@code dataset} and {@code method} the sidecar has, and {@link #SOURCE_KEY}. Either way the
   * model tensors are checked against the architecture's layout (names, shapes, a float dtype,
   * finite values).
   *
   * @param modelHint the architecture the user named ({@code --model}), if any; an error when the
   *     file says otherwise
   * @param inputHint the dataset's image shape, if known; used where the file does not tell
   * @throws CheckpointException for any problem, with a one-line message naming the file
   */
  public static Checkpoint read(
      Path file, Optional<String> modelHint, Optional<InputShape> inputHint) {
    SafetensorsFile contents = readSafetensors(file);
    String where = file.toString();
    if (Checkpoint.isIgdStream(contents)) {
      Checkpoint own = Checkpoint.of(contents, where);
      String architecture = own.require("architecture");
      checkHint(where, architecture, "its metadata", modelHint);
      InputShape shape =
          new InputShape(
              (int) own.requireLong("channels"),
              (int) own.requireLong("height"),
              (int) own.requireLong("width"));
      checkTensors(where, architecture, shape, (int) own.requireLong("classes"), own.model());
      return own;
    }
    return fromStateDict(file, contents, modelHint, inputHint);
  }

  /**
   * Throws when {@code model} does not take the dataset's images or has another number of classes.
   *
   * @param source names the model in the message, e.g. its file
   * @throws CheckpointException with a one-line message giving both shapes
   */
  public static void check(Checkpoint model, String source, InputShape dataShape, int classes) {
    InputShape modelShape =
        new InputShape(
            (int) model.requireLong("channels"),
            (int) model.requireLong("height"),
            (int) model.requireLong("width"));
    long modelClasses = model.requireLong("classes");
    if (!modelShape.equals(dataShape) || modelClasses != classes) {
      throw new CheckpointException(
          source
              + ": the model takes "
              + modelShape
              + " images and has "
              + modelClasses
              + " classes, the dataset has "
              + dataShape
              + " images and "
              + classes
              + " classes");
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static SafetensorsFile readSafetensors(Path file) {
    try {
      return Safetensors.read(file);
    } catch (UncheckedIOException e) {
      throw new CheckpointException(file + ": cannot read: " + oneLine(e.getCause().getMessage()));
    } catch (RuntimeException e) {
      String reason = e.getMessage() == null ? e.toString() : e.getMessage();
      String prefix = file + ": "; // Safetensors.read already names the file
      throw new CheckpointException(
          file
              + ": not a safetensors file: "
              + oneLine(reason.startsWith(prefix) ? reason.substring(prefix.length()) : reason));
    }
  }

  private static Checkpoint fromStateDict(
      Path file,
      SafetensorsFile contents,
      Optional<String> modelHint,
      Optional<InputShape> inputHint) {
    String where = file.toString();
    LinkedHashMap<String, TensorData> tensors = stripDataParallel(contents.tensors());
    Sidecar sidecar = Sidecar.read(file);

    String architecture;
    String from;
    if (sidecar.architecture != null) {
      architecture = sidecar.architecture;
      from = "sidecar " + sidecar.path.getFileName();
      checkHint(where, architecture, "its sidecar " + sidecar.path.getFileName(), modelHint);
    } else if (contents.metadata().containsKey("architecture")) {
      architecture = contents.metadata().get("architecture");
      from = "file metadata";
      checkHint(where, architecture, "its metadata", modelHint);
    } else if (modelHint.isPresent()) {
      architecture = modelHint.get();
      from = "--model";
    } else {
      architecture = StateDictLayout.infer(tensors.keySet());
      from = "tensor names";
      if (architecture == null) {
        throw new CheckpointException(
            where
                + ": cannot tell the model from its tensor names ("
                + abbreviate(List.copyOf(tensors.keySet()))
                + "); expected the state_dict of one of "
                + String.join(", ", StateDictLayout.ARCHITECTURES)
                + ", or name it with --model");
      }
    }
    if (!StateDictLayout.ARCHITECTURES.contains(architecture)) {
      throw new CheckpointException(
          where
              + ": unknown model '"
              + architecture
              + "' (from "
              + from
              + "), expected one of "
              + String.join(", ", StateDictLayout.ARCHITECTURES));
    }

    checkNames(where, architecture, tensors);
    int classes =
        sidecar.classes != null
            ? sidecar.classes
            : (int) dimension(tensors, StateDictLayout.outputBias(architecture), 0, 2);
    if (classes < 2) {
      throw new CheckpointException(
          where
              + ": tensor '"
              + StateDictLayout.outputBias(architecture)
              + "' gives "
              + classes
              + " classes, a classifier needs at least 2");
    }
    InputShape shape =
        sidecar.inputShape != null
            ? sidecar.inputShape
            : inferShape(where, architecture, tensors, inputHint);
    LinkedHashMap<String, TensorData> model =
        checkTensors(where, architecture, shape, classes, tensors);
    if (sidecar.classNames != null && sidecar.classNames.size() != classes) {
      throw new CheckpointException(
          sidecar.path
              + ": class_names has "
              + sidecar.classNames.size()
              + " names, the model has "
              + classes
              + " classes");
    }

    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("architecture", architecture);
    metadata.put("channels", Integer.toString(shape.channels()));
    metadata.put("height", Integer.toString(shape.height()));
    metadata.put("width", Integer.toString(shape.width()));
    metadata.put("classes", Integer.toString(classes));
    if (sidecar.classNames != null) {
      try {
        metadata.put("class_names", JSON.writeValueAsString(sidecar.classNames));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
    if (sidecar.dataset != null) {
      metadata.put("dataset", sidecar.dataset);
    }
    if (sidecar.method != null) {
      metadata.put("method", sidecar.method);
    }
    metadata.put(SOURCE_KEY, "safetensors state_dict, architecture from " + from);
    return new Checkpoint(metadata, model, new LinkedHashMap<>());
  }

  private static void checkHint(
      String where, String architecture, String declaredBy, Optional<String> modelHint) {
    if (modelHint.isPresent() && !modelHint.get().equals(architecture)) {
      throw new CheckpointException(
          where
              + ": holds a "
              + architecture
              + " model (per "
              + declaredBy
              + "), but --model is "
              + modelHint.get());
    }
  }

  /** Every expected tensor is there and nothing else (BatchNorm counters aside). */
  private static void checkNames(
      String where, String architecture, Map<String, TensorData> tensors) {
    Set<String> expected = StateDictLayout.of(architecture, 1, 4, 4, 2).keySet();
    List<String> missing = new ArrayList<>();
    for (String name : expected) {
      if (!tensors.containsKey(name)) {
        missing.add(name);
      }
    }
    if (!missing.isEmpty()) {
      throw new CheckpointException(
          where
              + ": missing tensor"
              + (missing.size() == 1 ? " '" + missing.get(0) + "'" : "s " + abbreviate(missing))
              + " of "
              + architecture);
    }
    List<String> extra = new ArrayList<>();
    for (String name : tensors.keySet()) {
      if (!expected.contains(name) && !isCounterOf(name, expected)) {
        extra.add(name);
      }
    }
    if (!extra.isEmpty()) {
      throw new CheckpointException(
          where
              + ": unexpected tensor"
              + (extra.size() == 1 ? " '" + extra.get(0) + "'" : "s " + abbreviate(extra))
              + " for "
              + architecture);
    }
  }

  private static boolean isCounterOf(String name, Set<String> expected) {
    if (!StateDictLayout.isBatchCounter(name)) {
      return false;
    }
    String prefix = name.substring(0, name.length() - "num_batches_tracked".length());
    return expected.contains(prefix + "running_var");
  }

  /**
   * Checks every tensor's dtype, shape and values against the layout; returns the model tensors as
   * F32 in the layout's order, BatchNorm counters dropped.
   */
  private static LinkedHashMap<String, TensorData> checkTensors(
      String where,
      String architecture,
      InputShape shape,
      int classes,
      Map<String, TensorData> tensors) {
    checkNames(where, architecture, tensors);
    LinkedHashMap<String, long[]> layout =
        StateDictLayout.of(architecture, shape.channels(), shape.height(), shape.width(), classes);
    for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
      if (StateDictLayout.isBatchCounter(e.getKey())) {
        checkCounter(where, e.getKey(), e.getValue());
      }
    }
    LinkedHashMap<String, TensorData> out = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : layout.entrySet()) {
      String name = e.getKey();
      TensorData t = tensors.get(name);
      if (!isFloat(t.dtypeEnum())) {
        throw new CheckpointException(
            where
                + ": tensor '"
                + name
                + "' has dtype "
                + t.dtype()
                + ", which cannot be read as weights (expected F32, F16, BF16 or F64)");
      }
      if (!Arrays.equals(t.shape(), e.getValue())) {
        throw new CheckpointException(
            where
                + ": tensor '"
                + name
                + "' has shape "
                + Arrays.toString(t.shape())
                + ", expected "
                + Arrays.toString(e.getValue())
                + " ("
                + architecture
                + " for "
                + shape
                + " images, "
                + classes
                + " classes)");
      }
      TensorData f32 = t.toF32();
      checkFinite(where, name, f32.toFloats());
      out.put(name, f32);
    }
    return out;
  }

  private static void checkCounter(String where, String name, TensorData t) {
    SafetensorsDtype d = t.dtypeEnum();
    boolean integer =
        d == SafetensorsDtype.I64
            || d == SafetensorsDtype.I32
            || d == SafetensorsDtype.U32
            || d == SafetensorsDtype.I16
            || d == SafetensorsDtype.U8;
    if (!integer || t.elementCount() != 1) {
      throw new CheckpointException(
          where
              + ": tensor '"
              + name
              + "' is "
              + t.dtype()
              + " "
              + Arrays.toString(t.shape())
              + ", expected an integer scalar (a BatchNorm batch counter)");
    }
  }

  private static boolean isFloat(SafetensorsDtype d) {
    return d == SafetensorsDtype.F32
        || d == SafetensorsDtype.F16
        || d == SafetensorsDtype.BF16
        || d == SafetensorsDtype.F64;
  }

  private static void checkFinite(String where, String name, float[] values) {
    int bad = 0;
    int first = -1;
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        if (first < 0) {
          first = i;
        }
        bad++;
      }
    }
    if (bad > 0) {
      throw new CheckpointException(
          where
              + ": tensor '"
              + name
              + "' holds "
              + bad
              + " non-finite value"
              + (bad == 1 ? "" : "s")
              + " (first: "
              + values[first]
              + " at flat index "
              + first
              + ")");
    }
  }

  /** Dimension {@code dim} of tensor {@code name}, or {@code fallback} when it has no such axis. */
  private static long dimension(
      Map<String, TensorData> tensors, String name, int dim, long fallback) {
    long[] s = tensors.get(name).shape();
    return dim < s.length ? s[dim] : fallback;
  }

  private static InputShape inferShape(
      String where,
      String architecture,
      Map<String, TensorData> tensors,
      Optional<InputShape> inputHint) {
    String input = StateDictLayout.inputWeight(architecture);
    int channels = (int) Math.max(1, dimension(tensors, input, 1, 1));
    if (architecture.equals("preact-resnet18")) {
      int size = DEFAULT_PREACT_SIZE;
      return inputHint
          .map(h -> new InputShape(channels, h.height(), h.width()))
          .orElse(new InputShape(channels, size, size));
    }
    // small-cnn: 7.weight is (128, 64·(H/4)·(W/4))
    long flat = dimension(tensors, "7.weight", 1, 0);
    if (inputHint.isPresent()) {
      InputShape h = inputHint.get();
      if (h.height() % 4 == 0
          && h.width() % 4 == 0
          && 64L * (h.height() / 4) * (h.width() / 4) == flat) {
        return new InputShape(channels, h.height(), h.width());
      }
    }
    long cells = flat / 64;
    long side = Math.round(Math.sqrt((double) cells));
    if (flat % 64 != 0 || side * side != cells || side < 1) {
      throw new CheckpointException(
          where
              + ": cannot tell small-cnn's input size from tensor '7.weight' "
              + Arrays.toString(tensors.get("7.weight").shape())
              + " (64·(H/4)·(W/4) inputs, not square); give the sidecar "
              + Sidecar.pathOf(Path.of(where)).getFileName()
              + " with input_shape");
    }
    return new InputShape(channels, (int) side * 4, (int) side * 4);
  }

  private static LinkedHashMap<String, TensorData> stripDataParallel(
      LinkedHashMap<String, TensorData> tensors) {
    if (tensors.isEmpty()
        || !tensors.keySet().stream().allMatch(n -> n.startsWith(DATA_PARALLEL_PREFIX))) {
      return tensors;
    }
    LinkedHashMap<String, TensorData> out = new LinkedHashMap<>();
    tensors.forEach((n, t) -> out.put(n.substring(DATA_PARALLEL_PREFIX.length()), t));
    return out;
  }

  private static String abbreviate(List<String> names) {
    int show = 5;
    if (names.size() <= show) {
      return names.toString();
    }
    return names
        .subList(0, show)
        .toString()
        .replace("]", ", … " + (names.size() - show) + " more]");
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ");
  }

  /** What the sidecar {@code FILE.json} says; every field null when there is no sidecar. */
  private record Sidecar(
      Path path,
      String architecture,
      InputShape inputShape,
      Integer classes,
      List<String> classNames,
      String dataset,
      String method) {

    static Path pathOf(Path file) {
      return file.resolveSibling(file.getFileName() + ".json");
    }

    static Sidecar read(Path file) {
      Path path = pathOf(file);
      if (!Files.isRegularFile(path)) {
        return new Sidecar(path, null, null, null, null, null, null);
      }
      JsonNode root;
      try {
        root = JSON.readTree(path.toFile());
      } catch (IOException e) {
        String why =
            e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        throw new CheckpointException(path + ": not a JSON sidecar: " + oneLine(why));
      }
      if (root == null || !root.isObject()) {
        throw new CheckpointException(path + ": not a JSON object");
      }
      InputShape shape = null;
      JsonNode s = root.get("input_shape");
      if (s != null && !s.isNull()) {
        if (!s.isArray() || s.size() != 3 || !allPositiveInts(s)) {
          throw new CheckpointException(path + ": input_shape must be [C, H, W], was " + s);
        }
        shape = new InputShape(s.get(0).intValue(), s.get(1).intValue(), s.get(2).intValue());
      }
      Integer classes = null;
      JsonNode c = root.get("classes");
      if (c != null && !c.isNull()) {
        if (!c.canConvertToInt() || !c.isIntegralNumber() || c.intValue() < 2) {
          throw new CheckpointException(path + ": classes must be an integer >= 2, was " + c);
        }
        classes = c.intValue();
      }
      List<String> names = null;
      JsonNode n = root.get("class_names");
      if (n != null && !n.isNull()) {
        if (!n.isArray()) {
          throw new CheckpointException(path + ": class_names must be a list of strings");
        }
        names = new ArrayList<>();
        for (JsonNode v : n) {
          if (!v.isTextual()) {
            throw new CheckpointException(path + ": class_names must be a list of strings");
          }
          names.add(v.textValue());
        }
      }
      return new Sidecar(
          path,
          text(path, root, "architecture"),
          shape,
          classes,
          names,
          text(path, root, "dataset"),
          text(path, root, "method"));
    }

    private static boolean allPositiveInts(JsonNode array) {
      for (JsonNode v : array) {
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 1) {
          return false;
        }
      }
      return true;
    }

    private static String text(Path path, JsonNode root, String key) {
      JsonNode v = root.get(key);
      if (v == null || v.isNull()) {
        return null;
      }
      if (!v.isTextual()) {
        throw new CheckpointException(path + ": " + key + " must be a string, was " + v);
      }
      return v.textValue();
    }
  }
}
