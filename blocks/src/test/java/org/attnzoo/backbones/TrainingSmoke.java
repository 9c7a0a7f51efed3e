package org.attnzoo.backbones;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;

/** A few optimisation steps on one fixed batch: a backbone that learns drives its loss down. */
public final class TrainingSmoke {

  private TrainingSmoke() {}

  /**
   * Trains {@code block} with Adam on one random batch with random labels (memorisation).
   *
   * @param block an uninitialised backbone producing logits
   * @param input the batch shape {@code [B, C, H, W]}
   * @param classes number of classes
   * @param steps optimisation steps
   * @return the loss before the first step and after the last one
   */
  public static float[] firstAndLastLoss(Block block, Shape input, int classes, int steps) {
    // Seeded before initialisation too: the initial weights, not only the batch, are then fixed.
    ai.djl.engine.Engine.getInstance().setRandomSeed(7);
    try (Model model = Model.newInstance("smoke")) {
      model.setBlock(block);
      var config =
          new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
              .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(3e-3f)).build());
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(input);
        NDManager manager = trainer.getManager();
        manager.getEngine().setRandomSeed(7);
        NDArray x = manager.randomNormal(input);
        NDArray y =
            manager.randomInteger(
                0, classes, new Shape(input.get(0)), ai.djl.ndarray.types.DataType.INT32);
        float first = Float.NaN;
        float last = Float.NaN;
        for (int i = 0; i < steps; i++) {
          try (GradientCollector gc = trainer.newGradientCollector()) {
            NDArray logits = trainer.forward(new NDList(x)).singletonOrThrow();
            NDArray loss = trainer.getLoss().evaluate(new NDList(y), new NDList(logits));
            gc.backward(loss);
            last = loss.getFloat();
            if (i == 0) {
              first = last;
            }
          }
          trainer.step();
        }
        return new float[] {first, last};
      }
    }
  }
}
