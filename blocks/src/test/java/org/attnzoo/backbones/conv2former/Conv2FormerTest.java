package org.attnzoo.backbones.conv2former;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.attnzoo.backbones.TrainingSmoke;
import org.attnzoo.nn.ParameterPaths;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

class Conv2FormerTest {

  private static final Conv2FormerConfig SMALL =
      new Conv2FormerConfig(
          32, 1, 5, 5, List.of(8, 16, 16, 24), List.of(1, 1, 2, 1), 2, 32, 1e-6f, 0f);

  @Test
  void satisfiesBlockContract() {
    BlockContract.verify(SMALL::newBlock, SMALL.inputShape(2));
  }

  @Test
  void withDropPathAndLargeLayerScale() {
    // Seeded: a branch dropped for every sample of the batch would get no gradient.
    ai.djl.engine.Engine.getInstance().setRandomSeed(11);
    var cfg =
        new Conv2FormerConfig(
            32, 1, 5, 5, List.of(8, 16, 16, 24), List.of(1, 1, 2, 1), 2, 32, 0.5f, 0.1f);
    BlockContract.verify(cfg::newBlock, cfg.inputShape(2));
  }

  @Test
  void piecesSatisfyBlockContract() {
    BlockContract.verify(() -> new Conv2FormerBlock(8, 7, 4, 0f, 0.5f), new Shape(2, 8, 5, 6));
    BlockContract.verify(() -> new Conv2FormerMlp(8, 2), new Shape(2, 8, 5, 6));
  }

  @Test
  void featuresModeReturnsPooledHead() {
    var cfg = SMALL.withNumClasses(0);
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = cfg.newBlock();
      block.initialize(manager, DataType.FLOAT32, cfg.inputShape(1));
      var out = BlockContract.shapesAgree(manager, block, cfg.inputShape(2));
      assertEquals(new Shape(2, 32), out.getShape());
    }
  }

  @Test
  void parameterNamesAreTheOfficialOnes() {
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = SMALL.newBlock();
      block.initialize(manager, DataType.FLOAT32, SMALL.inputShape(1));
      var names = ParameterPaths.of(block).keySet();
      // Keys as in the official Conv2Former state dict.
      for (String key :
          List.of(
              "downsample_layers.0.0.weight",
              "downsample_layers.0.2.running_mean",
              "downsample_layers.0.6.weight",
              "downsample_layers.1.0.weight",
              "downsample_layers.3.1.bias",
              "stages.2.1.layer_scale_2",
              "stages.0.0.attn.att.2.weight",
              "stages.3.0.mlp.pos.bias",
              "head.0.weight",
              "head.2.bias",
              "pred.weight")) {
        assertTrue(names.contains(key), key + " missing from " + names);
      }
    }
  }

  @Test
  void rejectsBadInput() {
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = SMALL.newBlock();
      block.initialize(manager, DataType.FLOAT32, SMALL.inputShape(1));
      BlockContract.rejects(manager, block, new Shape(1, 3, 32, 32), "channels");
      BlockContract.rejects(manager, block, new Shape(1, 32, 32), "rank-4");
    }
  }

  @Test
  void rejectsBadConfiguration() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Conv2FormerConfig.of(6, List.of(8, 16, 16, 24), List.of(1, 1, 1, 1)));
    assertTrue(e.getMessage().contains("kernelSize must be odd"), e.getMessage());
  }

  @Test
  void lossGoesDownInAFewSteps() {
    float[] loss = TrainingSmoke.firstAndLastLoss(SMALL.newBlock(), SMALL.inputShape(8), 5, 10);
    assertTrue(loss[1] < 0.7f * loss[0], "loss " + loss[0] + " -> " + loss[1]);
  }
}
