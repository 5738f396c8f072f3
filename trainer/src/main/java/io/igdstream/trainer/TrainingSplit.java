package io.igdstream.trainer;

import io.igdstream.core.model.ModelSpec;
import io.igdstream.schemas.AvroCodec;
import io.igdstream.schemas.ImageSample;
import io.igdstream.schemas.Split;
import io.igdstream.schemas.Tensors;
import io.igdstream.schemas.Validators;
import io.igdstream.schemas.kafka.KafkaSettings;
import io.igdstream.schemas.kafka.TopicScan;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * What the trainer must know of {@code {ns}.samples} before the first record arrives: how many
 * distinct training samples an epoch has (to know when an epoch and the run are done, and for the
 * learning-rate schedule) and the image shape and classes (to build the model and publish snapshot
 * 0, which augment waits for). Invalid records are skipped here; augment dead-letters them.
 */
public record TrainingSplit(int samples, ModelSpec spec, String dataset) {

  public static TrainingSplit read(KafkaSettings kafka, String samplesTopic, Duration timeout) {
    AvroCodec<ImageSample> codec = AvroCodec.of(ImageSample.class);
    Set<String> ids = new HashSet<>();
    int[][] shape = {null};
    int[] classes = {0};
    String[] dataset = {""};
    TopicScan.scan(
        kafka,
        samplesTopic,
        timeout,
        record -> {
          try {
            ImageSample s = codec.decode(record.value());
            // validate(s) without a shape would expect a rank-0 image and reject every sample: the
            // first valid training sample sets the shape, later ones must match it
            Validators.validate(s, shape[0] != null ? shape[0] : Tensors.shape(s.getImage()));
            if (s.getSplit() == Split.TRAIN) {
              ids.add(s.getId());
              if (shape[0] == null) {
                shape[0] = Tensors.shape(s.getImage());
                classes[0] = s.getClasses();
                dataset[0] = s.getDataset();
              }
            }
          } catch (RuntimeException e) {
            // not ours to report: augment sends it to the dead-letter topic
          }
        });
    if (ids.isEmpty()) {
      throw new IllegalArgumentException(
          samplesTopic + " holds no valid training samples: run `igd ingest` first");
    }
    if (shape[0].length != 3) {
      throw new IllegalArgumentException(
          samplesTopic
              + ": images must have shape [C, H, W], got "
              + shape[0].length
              + " dimensions");
    }
    return new TrainingSplit(
        ids.size(), new ModelSpec(shape[0][0], shape[0][1], shape[0][2], classes[0]), dataset[0]);
  }
}
