package io.igdstream.app.roles;

import io.igdstream.core.data.Dataset;
import io.igdstream.core.io.Checkpoint;
import io.igdstream.core.io.ModelFiles;
import io.igdstream.core.model.Classifier;
import io.igdstream.core.model.GradientThread;
import java.nio.file.Path;
import java.util.Optional;

/** The frozen NAT teacher that augment and the pipeline take the teacher gradient of. */
public final class TeacherModel {

  private TeacherModel() {}

  /**
   * Reads a teacher model file, igd-stream's own or a PyTorch state_dict (the caller checked it
   * exists); the caller closes the model.
   */
  public static Classifier load(Path file) {
    return load(ModelFiles.read(file, Optional.empty()));
  }

  /**
   * {@link #load(Path)} for a teacher of {@code data}: a PyTorch state_dict takes the dataset's
   * image shape where its tensors do not tell, and a model of another shape or class count is
   * refused with one line.
   */
  public static Classifier load(Path file, Dataset data) {
    ModelFiles.InputShape shape =
        new ModelFiles.InputShape(data.channels(), data.height(), data.width());
    Checkpoint c = ModelFiles.read(file, Optional.empty(), Optional.of(shape));
    ModelFiles.check(c, "--teacher " + file, shape, data.classCount());
    return load(c);
  }

  private static Classifier load(Checkpoint c) {
    return GradientThread.shared()
        .call(
            () -> {
              Classifier model = Classifier.load(c);
              model.freeze();
              return model;
            });
  }
}
