package io.igdstream.app.roles;

import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import java.nio.file.Path;

/** The frozen NAT teacher that augment and the pipeline take the teacher gradient of. */
public final class TeacherModel {

  private TeacherModel() {}

  /** Reads a teacher model file (the caller checked it exists); the caller closes the model. */
  public static Classifier load(Path file) {
    Checkpoint c = Checkpoint.read(file);
    return GradientThread.shared()
        .call(
            () -> {
              Classifier model = Classifier.load(c);
              model.freeze();
              return model;
            });
  }
}
