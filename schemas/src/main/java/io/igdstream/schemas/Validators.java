package io.igdstream.schemas;

import java.util.Set;

/**
 * Validation of decoded records before a stage uses them; one method per record type. Each throws
 * the first problem found as a {@link RecordDecodingException} with its dead-letter reason code.
 * Checks run cheapest first: sizes and shapes, then labels and settings, then a scan of the values.
 * Pixels must be in [0, 1]; gradients only finite. Semantic problems without a code of their own
 * (an unknown corruption name, a negative epoch, ...) are OTHER.
 */
public final class Validators {

  /**
   * Upper bound of one tensor's data unless a caller passes another: 4 MiB (≈ 3×512×680 floats).
   */
  public static final long DEFAULT_MAX_TENSOR_BYTES = 4L << 20;

  /** Upper bound of one snapshot chunk's data: 1 MiB, Kafka's default record size limit. */
  public static final int DEFAULT_MAX_CHUNK_BYTES = 1 << 20;

  /** The 15 ImageNet-C corruptions and its 4 extra ones (Hendrycks and Dietterich, 2019). */
  public static final Set<String> IMAGENET_C_NAMES =
      Set.of(
          "gaussian_noise",
          "shot_noise",
          "impulse_noise",
          "defocus_blur",
          "glass_blur",
          "motion_blur",
          "zoom_blur",
          "snow",
          "frost",
          "fog",
          "brightness",
          "contrast",
          "elastic_transform",
          "pixelate",
          "jpeg_compression",
          "speckle_noise",
          "gaussian_blur",
          "spatter",
          "saturate");

  private Validators() {}

  /** An ImageSample whose image has the dataset's shape, e.g. {@code [1, 28, 28]}. */
  public static void validate(ImageSample sample, int... expectedShape) {
    requireText("id", sample.getId());
    checkTensorShape("image", sample.getImage(), expectedShape);
    TensorValidation.checkLabel(sample.getLabel(), sample.getClasses());
    TensorValidation.checkPixels("image", sample.getImage());
  }

  /** An AdversarialSample whose x, x_adv and teacher_gradient have the dataset's shape. */
  public static void validate(AdversarialSample sample, int... expectedShape) {
    requireText("sample_id", sample.getSampleId());
    checkTensorShape("x", sample.getX(), expectedShape);
    checkTensorShape("x_adv", sample.getXAdv(), expectedShape);
    checkTensorShape("teacher_gradient", sample.getTeacherGradient(), expectedShape);
    TensorValidation.checkLabel(sample.getLabel(), sample.getClasses());
    requireAtLeast("epoch", sample.getEpoch(), 0);
    requireAtLeast("snapshot_version", sample.getSnapshotVersion(), 0);
    AttackSettings attack = sample.getAttack();
    requireText("attack.name", attack.getName());
    requireNonNegative("attack.eps", attack.getEps());
    requireNonNegative("attack.alpha", attack.getAlpha());
    requireAtLeast("attack.steps", attack.getSteps(), 0);
    TensorValidation.checkPixels("x", sample.getX());
    TensorValidation.checkPixels("x_adv", sample.getXAdv());
    TensorValidation.checkFinite("teacher_gradient", sample.getTeacherGradient());
  }

  /** A CorruptedSample whose image has the dataset's shape. */
  public static void validate(CorruptedSample sample, int... expectedShape) {
    requireText("source_id", sample.getSourceId());
    checkTensorShape("image", sample.getImage(), expectedShape);
    TensorValidation.checkLabel(sample.getLabel(), sample.getClasses());
    if (!IMAGENET_C_NAMES.contains(sample.getCorruption())) {
      throw new RecordDecodingException(
          ReasonCode.OTHER,
          "corruption '" + sample.getCorruption() + "' is not an ImageNet-C name");
    }
    if (sample.getSeverity() < 1 || sample.getSeverity() > 5) {
      throw new RecordDecodingException(
          ReasonCode.OTHER, "severity must be in [1, 5], was " + sample.getSeverity());
    }
    TensorValidation.checkPixels("image", sample.getImage());
  }

  /**
   * A chunk that can belong to a snapshot: {@code 0 <= index < chunk_count}, non-empty data, a
   * model id and a version {@code >= 0} (BAD_CHUNK); data at most {@code maxChunkBytes} (OVERSIZE).
   */
  public static void validate(SnapshotChunk chunk, int maxChunkBytes) {
    if (chunk.getModelId().isEmpty()) {
      throw badChunk("chunk has an empty model_id");
    }
    if (chunk.getVersion() < 0) {
      throw badChunk("chunk version must be >= 0, was " + chunk.getVersion());
    }
    if (chunk.getChunkCount() < 1) {
      throw badChunk("chunk_count must be >= 1, was " + chunk.getChunkCount());
    }
    if (chunk.getIndex() < 0 || chunk.getIndex() >= chunk.getChunkCount()) {
      throw badChunk(
          "chunk index " + chunk.getIndex() + " is outside [0, " + chunk.getChunkCount() + ")");
    }
    int bytes = chunk.getData().remaining();
    if (bytes == 0) {
      throw badChunk("chunk " + chunk.getIndex() + " has no data");
    }
    if (bytes > maxChunkBytes) {
      throw new RecordDecodingException(
          ReasonCode.OVERSIZE,
          "chunk "
              + chunk.getIndex()
              + " has "
              + bytes
              + " bytes, more than the limit "
              + maxChunkBytes);
    }
  }

  /**
   * A header that can describe a snapshot: a model id, version {@code >= 0}, positive input shape
   * and classes, {@code 1 <= chunk_count <= total_bytes} (BAD_CHUNK); total_bytes at most {@code
   * maxSnapshotBytes} (OVERSIZE).
   */
  public static void validate(SnapshotHeader header, long maxSnapshotBytes) {
    if (header.getModelId().isEmpty()) {
      throw badChunk("header has an empty model_id");
    }
    if (header.getVersion() < 0) {
      throw badChunk("header version must be >= 0, was " + header.getVersion());
    }
    if (header.getChannels() < 1
        || header.getHeight() < 1
        || header.getWidth() < 1
        || header.getClasses() < 1) {
      throw badChunk(
          "header shape and classes must be >= 1, were channels="
              + header.getChannels()
              + " height="
              + header.getHeight()
              + " width="
              + header.getWidth()
              + " classes="
              + header.getClasses());
    }
    if (header.getTotalBytes() > maxSnapshotBytes) {
      throw new RecordDecodingException(
          ReasonCode.OVERSIZE,
          "snapshot "
              + header.getModelId()
              + " v"
              + header.getVersion()
              + " has "
              + header.getTotalBytes()
              + " bytes, more than the limit "
              + maxSnapshotBytes);
    }
    if (header.getChunkCount() < 1 || header.getChunkCount() > header.getTotalBytes()) {
      throw badChunk(
          "header chunk_count "
              + header.getChunkCount()
              + " does not fit total_bytes "
              + header.getTotalBytes());
    }
  }

  private static void checkTensorShape(String field, Tensor tensor, int[] expectedShape) {
    TensorValidation.checkLayout(field, tensor, DEFAULT_MAX_TENSOR_BYTES);
    if (expectedShape.length > 0) { // no expected shape: any shape whose layout is consistent
      TensorValidation.checkShape(field, tensor, expectedShape);
    }
  }

  private static void requireText(String field, String value) {
    if (value.isEmpty()) {
      throw new RecordDecodingException(ReasonCode.OTHER, field + " is empty");
    }
  }

  private static void requireAtLeast(String field, long value, long min) {
    if (value < min) {
      throw new RecordDecodingException(
          ReasonCode.OTHER, field + " must be >= " + min + ", was " + value);
    }
  }

  private static void requireNonNegative(String field, float value) {
    if (!(value >= 0f) || !Float.isFinite(value)) {
      throw new RecordDecodingException(
          ReasonCode.OTHER, field + " must be finite and >= 0, was " + value);
    }
  }

  private static RecordDecodingException badChunk(String message) {
    return new RecordDecodingException(ReasonCode.BAD_CHUNK, message);
  }
}
