package org.attnzoo.backbones.swin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.List;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

class SwinTransformerTest {

  /** 32x32, patch 2, window 4: stages of 16, 8 (shifted), 4 (one window), 2 (window shrinks). */
  private static final SwinConfig SMALL =
      SwinConfig.builder()
          .setImage(32, 2, 4)
          .setSize(8, List.of(2, 2, 1, 1), List.of(1, 2, 2, 4))
          .optNumClasses(5)
          .optDropPathRate(0f)
          .build();

  @Test
  void satisfiesBlockContract() {
    BlockContract.verify(SMALL::newBlock, SMALL.inputShape(2));
  }

  @Test
  void withStochasticDepthAndPaddedWindows() {
    // window 3 divides none of 16, 8, 4: every block pads
    SwinConfig cfg = SMALL.toBuilder().setImage(32, 2, 3).optDropPathRate(0.1f).build();
    BlockContract.verify(cfg::newBlock, cfg.inputShape(2));
  }

  @Test
  void featuresModeReturnsEachStageAndPooledFeatures() {
    SwinConfig cfg = SMALL.toBuilder().optNumClasses(0).build();
    try (NDManager manager = NDManager.newBaseManager()) {
      SwinTransformer block = cfg.newBlock();
      block.initialize(manager, DataType.FLOAT32, cfg.inputShape(1));
      assertEquals(
          new Shape(2, 64),
          BlockContract.shapesAgree(manager, block, cfg.inputShape(2)).getShape());
      NDList stages =
          block.forwardIntermediates(
              new ParameterStore(manager, false), manager.randomNormal(cfg.inputShape(2)), false);
      assertEquals(4, stages.size());
      for (int i = 0; i < 4; i++) {
        int r = 16 >> i;
        assertEquals(new Shape(2, 8 << i, r, r), stages.get(i).getShape(), "stage " + i);
      }
    }
  }

  @Test
  void rejectsBadImages() {
    try (NDManager manager = NDManager.newBaseManager()) {
      SwinTransformer block = SMALL.newBlock();
      block.initialize(manager, DataType.FLOAT32, SMALL.inputShape(1));
      BlockContract.rejects(manager, block, new Shape(1, 1, 32, 32), "channels");
      BlockContract.rejects(manager, block, new Shape(1, 3, 40, 40), "32x32");
      BlockContract.rejects(manager, block, new Shape(3, 32, 32), "rank-4");
    }
  }

  @Test
  void configRejectsOddResolutionsBeforeMerging() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> SMALL.toBuilder().setImage(24, 2, 4).build());
    assertTrue(e.getMessage().contains("patch grid 12"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> SMALL.toBuilder().setSize(8, List.of(1, 1), List.of(3, 2)).build());
    assertTrue(e.getMessage().contains("stage 0 width 8"), e.getMessage());
  }

  @Test
  void trainingReducesTheLossOnAFixedBatch() {
    // 32x32, patch 4, window 4: stages of 8 (shifted windows), 4, 2
    SwinConfig cfg =
        SMALL.toBuilder()
            .setImage(32, 4, 4)
            .setSize(8, List.of(2, 2, 1), List.of(1, 2, 2))
            .optNumClasses(4)
            .build();
    try (Model model = Model.newInstance("swin-small-test")) {
      model.setBlock(cfg.newBlock());
      var config =
          new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
              .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(2e-3f)).build());
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(cfg.inputShape(8));
        NDManager manager = trainer.getManager();
        manager.getEngine().setRandomSeed(7);
        NDArray images = manager.randomNormal(cfg.inputShape(8));
        NDArray labels = manager.create(new float[] {0, 1, 2, 3, 3, 2, 1, 0});
        float first = 0f;
        float last = 0f;
        // 16 steps: from timm's init (Linear std 0.02, initial loss ln 4) the loss falls by
        // about 8% a step here, 0.52-0.58x after 8 steps and 0.32-0.36x after 16 (seeds 1-4);
        // DJL's default He-normal init, which the old 8-step budget was sized for, starts with
        // larger logits and memorises the batch faster.
        for (int step = 0; step < 16; step++) {
          try (GradientCollector gc = trainer.newGradientCollector()) {
            NDArray logits = trainer.forward(new NDList(images)).singletonOrThrow();
            NDArray loss = trainer.getLoss().evaluate(new NDList(labels), new NDList(logits));
            gc.backward(loss);
            last = loss.getFloat();
            if (step == 0) {
              first = last;
            }
          }
          trainer.step();
        }
        System.out.printf("swin training loss %.4f -> %.4f%n", first, last);
        assertTrue(last < 0.5f * first, "loss " + first + " -> " + last);
      }
    }
  }
}
