package org.attnzoo.backbones.efficientvit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.attnzoo.backbones.TrainingSmoke;
import org.attnzoo.nn.ConvNormAct.Act;
import org.attnzoo.nn.ParameterPaths;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

class EfficientVitTest {

  private static final EfficientVitConfig SMALL =
      new EfficientVitConfig(
          32, 1, 5, List.of(8, 8, 16, 16, 24), List.of(1, 2, 1, 1, 1), 8, 4.0, List.of(32, 40), 0f);

  @Test
  void satisfiesBlockContract() {
    BlockContract.verify(SMALL::newBlock, SMALL.inputShape(2));
  }

  @Test
  void piecesSatisfyBlockContract() {
    BlockContract.verify(
        () -> new MBConv(8, 12, 2, 4, false, Act.HARDSWISH), new Shape(2, 8, 7, 7));
    BlockContract.verify(() -> new DSConv(8, 8, 1, Act.HARDSWISH), new Shape(2, 8, 5, 5));
    BlockContract.verify(
        () -> new EfficientVitBlock(16, 8, 4, Act.HARDSWISH), new Shape(2, 16, 4, 4));
  }

  @Test
  void oddInputSidesWork() {
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = SMALL.newBlock();
      block.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 37, 45));
      var out = BlockContract.shapesAgree(manager, block, new Shape(2, 1, 37, 45));
      assertEquals(new Shape(2, 5), out.getShape());
    }
  }

  @Test
  void featuresModeReturnsPreLogits() {
    var cfg = SMALL.withNumClasses(0);
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = cfg.newBlock();
      block.initialize(manager, DataType.FLOAT32, cfg.inputShape(1));
      var out = BlockContract.shapesAgree(manager, block, cfg.inputShape(2));
      assertEquals(new Shape(2, 40), out.getShape());
    }
  }

  @Test
  void parameterNamesAreTimms() {
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = SMALL.newBlock();
      block.initialize(manager, DataType.FLOAT32, SMALL.inputShape(1));
      var names = ParameterPaths.of(block).keySet();
      // Keys as in timm's efficientvit_mit state dict.
      for (String key :
          List.of(
              "stem.in_conv.conv.weight",
              "stem.res0.main.depth_conv.norm.running_var",
              "stages.0.blocks.1.main.inverted_conv.conv.weight",
              "stages.2.blocks.1.context_module.main.aggreg.0.1.weight",
              "stages.3.blocks.0.main.depth_conv.conv.bias",
              "head.classifier.1.weight",
              "head.classifier.4.bias")) {
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
            () ->
                EfficientVitConfig.of(
                    List.of(8, 16, 32, 64), List.of(1, 1, 1, 1), 8, List.of(8, 8)));
    assertTrue(e.getMessage().contains("5 widths"), e.getMessage());
  }

  @Test
  void lossGoesDownInAFewSteps() {
    float[] loss = TrainingSmoke.firstAndLastLoss(SMALL.newBlock(), SMALL.inputShape(8), 5, 10);
    assertTrue(loss[1] < 0.7f * loss[0], "loss " + loss[0] + " -> " + loss[1]);
  }
}
