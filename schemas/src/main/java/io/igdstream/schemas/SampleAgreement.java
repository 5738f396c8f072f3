package io.igdstream.schemas;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The validator of a dataset known only from its topic ({@code --dataset topic}): the first valid
 * ImageSample fixes the dataset's image shape, number of classes and class names, and every later
 * one must agree. Use it as the {@code validate} of {@link io.igdstream.schemas.kafka.Decoded#of},
 * so a record that disagrees becomes a dead letter with the reason: SHAPE_MISMATCH (another [C, H,
 * W]), LABEL_OUT_OF_RANGE (another class count, or a label outside it), OTHER (other class names).
 * A record with no class names ({@code []}, v1 and v2 writers) agrees with any names. Records are
 * first checked as {@link Validators#validate(ImageSample, int...)} checks them with no expected
 * shape. Thread-safe.
 */
public final class SampleAgreement implements Consumer<ImageSample> {

  /** What the first valid sample said about the dataset. */
  public record Facts(int[] shape, int classes, List<String> classNames, String dataset) {

    public Facts {
      shape = shape.clone();
      classNames = List.copyOf(classNames);
    }

    @Override
    public int[] shape() {
      return shape.clone();
    }
  }

  private Facts facts;

  /** Checks {@code sample} against the first valid one (or makes it the first). */
  @Override
  public synchronized void accept(ImageSample sample) {
    Validators.validate(sample);
    int[] shape = sample.getImage().getShape().stream().mapToInt(Integer::intValue).toArray();
    List<String> names = sample.getClassNames();
    if (!names.isEmpty() && names.size() != sample.getClasses()) {
      throw new RecordDecodingException(
          ReasonCode.OTHER,
          "sample "
              + sample.getId()
              + " has "
              + names.size()
              + " class names for "
              + sample.getClasses()
              + " classes");
    }
    if (facts == null) {
      facts = new Facts(shape, sample.getClasses(), names, sample.getDataset());
      return;
    }
    if (!Arrays.equals(shape, facts.shape)) {
      throw new RecordDecodingException(
          ReasonCode.SHAPE_MISMATCH,
          "sample "
              + sample.getId()
              + " has shape "
              + Arrays.toString(shape)
              + ", the dataset's first sample "
              + Arrays.toString(facts.shape));
    }
    if (sample.getClasses() != facts.classes) {
      throw new RecordDecodingException(
          ReasonCode.LABEL_OUT_OF_RANGE,
          "sample "
              + sample.getId()
              + " has "
              + sample.getClasses()
              + " classes, the dataset's first sample "
              + facts.classes);
    }
    if (!names.isEmpty()) {
      if (facts.classNames.isEmpty()) {
        facts = new Facts(facts.shape, facts.classes, names, facts.dataset);
      } else if (!names.equals(facts.classNames)) {
        throw new RecordDecodingException(
            ReasonCode.OTHER,
            "sample "
                + sample.getId()
                + " has class names "
                + names
                + ", the dataset's first sample "
                + facts.classNames);
      }
    }
  }

  /** The dataset's facts, once a valid sample has been seen. */
  public synchronized Optional<Facts> facts() {
    return Optional.ofNullable(facts);
  }
}
