package org.attnzoo.training.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import java.util.Locale;
import org.attnzoo.training.data.FashionMnistDataset;
import org.attnzoo.zoo.Variant;
import org.attnzoo.zoo.Variants;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every family's micro variant trains 300 steps under plain {@code EasyTrain.fit} with the recipe's
 * DJL pieces (GroupedAdamW, WarmupCosineTracker, LabelSmoothingLoss) on the shipped Fashion-MNIST
 * subset, without gradient clipping and without skipping steps: every loss and every gradient norm
 * finite, no gradient norm above 1e6, and the loss falls.
 */
class EasyTrainFamiliesTest {

  private static final int BATCH = 8;
  private static final int IMAGES = 1200;
  private static final int EPOCHS = 2;
  private static final int STEPS = EPOCHS * IMAGES / BATCH;

  @ParameterizedTest
  @ValueSource(
      strings = {
        "vit_micro_patch4_32",
        "swin_micro_patch2_window4_32",
        "edgenext_micro_64",
        "swiftformer_micro_64",
        "efficientvit_micro_32",
        "conv2former_micro_32",
        "vit_micro_patch4_32_tosa"
      })
  void microVariantTrains300StepsUnderEasyTrain(String name) throws Exception {
    long start = System.nanoTime();
    Variant v = Variants.get(name);
    Engine.getEngine("PyTorch").setRandomSeed(42);
    FashionMnistDataset train =
        FashionMnistDataset.builder()
            .optShippedSubset()
            .optVariant(v)
            .optLimit(IMAGES)
            .setSampling(BATCH, true)
            .build();
    StepRecorder recorder = new StepRecorder();
    try (Model model = Model.newInstance(name, Device.cpu(), "PyTorch")) {
      model.setBlock(v.config().newBlock());
      DefaultTrainingConfig config =
          new DefaultTrainingConfig(new LabelSmoothingLoss(0.1))
              .optOptimizer(
                  GroupedAdamW.builder()
                      .setParameters(model.getBlock())
                      .optLearningRateTracker(
                          WarmupCosineTracker.builder()
                              .setBaseValue(1e-3)
                              .optWarmUpSteps(STEPS / 10)
                              .setMaxUpdates(STEPS)
                              .build())
                      .build())
              .addTrainingListeners(recorder);
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(new Shape(1).addAll(v.config().inputShape()));
        EasyTrain.fit(trainer, EPOCHS, train, null);
      }
    }
    assertEquals(STEPS, recorder.losses.size(), "one loss per step");
    for (int i = 0; i < STEPS; i++) {
      float loss = recorder.losses.get(i);
      double norm = recorder.gradNorms.get(i);
      assertTrue(Float.isFinite(loss), name + ": loss of step " + (i + 1) + " is " + loss);
      assertTrue(
          Double.isFinite(norm) && norm < 1e6,
          name + ": gradient norm of step " + (i + 1) + " is " + norm);
    }
    float first = recorder.losses.get(0);
    double lastMean = recorder.meanLoss(STEPS - 25, STEPS);
    System.out.printf(
        Locale.ROOT,
        "%s: first loss %.4f, last loss %.4f, mean of last 25 %.4f, max gradient norm %.3f,"
            + " %.1f s%n",
        name,
        first,
        recorder.losses.get(STEPS - 1),
        lastMean,
        recorder.maxGradNorm(),
        (System.nanoTime() - start) / 1e9);
    // Single batches of 8 are noisy; the mean of the last 25 must be below the first loss.
    assertTrue(
        lastMean < first,
        name + ": loss did not fall: first " + first + ", mean of the last 25 " + lastMean);
  }
}
