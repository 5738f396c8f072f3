package io.igdstream.core.train;

import ai.djl.ndarray.NDArray;

/**
 * One optimisation step of a training method on a batch: x (N, C, H, W) in [0, 1], labels (N).
 * Every random draw comes from {@code seed}, so a resumed run repeats the step exactly.
 */
public interface TrainingStep {

  StepTerms step(NDArray x, NDArray labels, long seed, double learningRate);
}
