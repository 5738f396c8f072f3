package io.igdstream.trainer;

import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import io.igdstream.schemas.SnapshotInfo;
import io.igdstream.schemas.SnapshotSigner;
import io.igdstream.schemas.kafka.SnapshotPublisher;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Snapshot publishing, the trainer's only writer of {@code {ns}.snapshots}: the student's weights
 * as a model file, with the facts followers read (step, method, dataset, final), split into chunks
 * by {@link SnapshotPublisher}.
 */
final class StudentSnapshotPublisher {

  private final SnapshotPublisher snapshots;
  private final String modelId;
  private final String dataset;
  private final GradientThread gradient;

  StudentSnapshotPublisher(
      KafkaProducer<byte[], byte[]> producer,
      String topic,
      String modelId,
      int chunkBytes,
      String dataset,
      GradientThread gradient,
      Optional<SnapshotSigner> signer) {
    this.snapshots = new SnapshotPublisher(producer, topic, modelId, chunkBytes).signedBy(signer);
    this.modelId = modelId;
    this.dataset = dataset;
    this.gradient = gradient;
  }

  /**
   * Publishes the student's current weights as {@code version}.
   *
   * @param step the steps trained into these weights
   * @param last whether this is the run's final snapshot
   * @return the model file's size, bytes
   */
  int publish(Classifier student, long version, long step, boolean last) {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("step", Long.toString(step));
    facts.put("method", "igd");
    facts.put("dataset", dataset);
    facts.put("final", Boolean.toString(last));
    byte[] payload = gradient.call(() -> student.toModelFile(Map.of()).encode());
    var spec = student.spec();
    snapshots.publish(
        payload,
        new SnapshotInfo(
            modelId,
            version,
            student.architecture().id(),
            spec.channels(),
            spec.height(),
            spec.width(),
            spec.classes(),
            System.currentTimeMillis(),
            facts));
    return payload.length;
  }
}
