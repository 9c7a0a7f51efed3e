package org.attnzoo.training.recipe;

import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingResult;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.listener.TrainingListener;
import org.attnzoo.training.data.FashionMnistDataset;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;

/**
 * The README's "Train with DJL's API" example. The code between the markers is the README's code
 * block, character for character after removing the indentation ({@code ReadmeExampleTest} checks
 * both and runs it).
 */
final class ReadmeExample {

  private ReadmeExample() {}

  // readme:begin
  static TrainingResult train(String name, int epochs, long images) throws Exception {
    Variant variant = Variants.get(name);
    var data = FashionMnistDataset.builder().optVariant(variant).optLimit(images);
    var train = data.setSampling(32, true).build();
    var test = data.optUsage(Dataset.Usage.TEST).setSampling(100, false).build();
    int steps = epochs * (int) Math.ceil(train.size() / 32.0);
    var lr = WarmupCosineTracker.builder().setMaxUpdates(steps).optWarmUpSteps(steps / 20);
    try (Model model = Model.newInstance(name)) {
      model.setBlock(variant.config().newBlock());
      var adamw = GroupedAdamW.builder().setParameters(model.getBlock()).optWeightDecays(0.05f);
      var config =
          new DefaultTrainingConfig(new LabelSmoothingLoss(0.1))
              .optOptimizer(adamw.optLearningRateTracker(lr.setBaseValue(1e-3).build()).build())
              .addEvaluator(new Accuracy())
              .addTrainingListeners(TrainingListener.Defaults.basic())
              .addTrainingListeners(new ProgressListener(epochs));
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(new Shape(1).addAll(variant.config().inputShape()));
        EasyTrain.fit(trainer, epochs, train, test);
        return trainer.getTrainingResult();
      }
    }
  }
  // readme:end
}
