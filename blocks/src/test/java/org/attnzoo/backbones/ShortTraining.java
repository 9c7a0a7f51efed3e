package org.attnzoo.backbones;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;

/** A few optimiser steps on one fixed random batch: a backbone that learns fits it quickly. */
public final class ShortTraining {

  private ShortTraining() {}

  /**
   * @param config the backbone (a classifier)
   * @param batch batch size
   * @param steps Adam steps
   * @return the training loss before the first and after the last step
   */
  public static float[] firstAndLastLoss(BackboneConfig config, int batch, int steps) {
    ai.djl.engine.Engine.getInstance().setRandomSeed(7);
    try (Model model = Model.newInstance("short-training", Device.cpu())) {
      model.setBlock(config.newBlock());
      var trainingConfig =
          new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
              .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build())
              .optDevices(new Device[] {Device.cpu()});
      try (Trainer trainer = model.newTrainer(trainingConfig)) {
        Shape in = config.inputShape(batch);
        trainer.initialize(in);
        NDManager manager = trainer.getManager();
        NDArray x = manager.randomNormal(in);
        NDArray y =
            manager
                .randomInteger(0, config.numClasses(), new Shape(batch), DataType.INT32)
                .toType(DataType.FLOAT32, false);
        float first = Float.NaN;
        float last = Float.NaN;
        for (int step = 0; step <= steps; step++) {
          try (GradientCollector gc = trainer.newGradientCollector()) {
            NDList pred = trainer.forward(new NDList(x));
            NDArray loss = trainer.getLoss().evaluate(new NDList(y), pred);
            if (step == 0) {
              first = loss.getFloat();
            }
            last = loss.getFloat();
            if (step < steps) {
              gc.backward(loss);
            }
          }
          if (step < steps) {
            trainer.step();
          }
        }
        return new float[] {first, last};
      }
    }
  }
}
