package org.attnzoo.backbones.vit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

class VisionTransformerTest {

  private static final VitConfig SMALL =
      VitConfig.builder().setImage(16, 4).setSize(32, 2, 2).optNumClasses(5).build();

  @Test
  void satisfiesBlockContract() {
    BlockContract.verify(SMALL::newBlock, SMALL.inputShape(2));
  }

  @Test
  void averagePoolingWithLayerScaleAndDropPath() {
    VitConfig cfg =
        SMALL.toBuilder()
            .optPooling(false, "avg")
            .optLayerScaleInit(0.1f)
            .optDropPathRate(0.1f)
            .build();
    BlockContract.verify(cfg::newBlock, cfg.inputShape(2));
  }

  @Test
  void featuresModeReturnsPooledEmbedding() {
    VitConfig cfg = SMALL.toBuilder().optNumClasses(0).build();
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = cfg.newBlock();
      block.initialize(manager, DataType.FLOAT32, cfg.inputShape(1));
      var out = BlockContract.shapesAgree(manager, block, cfg.inputShape(2));
      assertEquals(new Shape(2, 32), out.getShape());
    }
  }

  @Test
  void rejectsBadImages() {
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = SMALL.newBlock();
      block.initialize(manager, DataType.FLOAT32, SMALL.inputShape(1));
      BlockContract.rejects(manager, block, new Shape(1, 1, 16, 16), "channels");
      BlockContract.rejects(manager, block, new Shape(1, 3, 20, 20), "16x16");
      BlockContract.rejects(manager, block, new Shape(3, 16, 16), "rank-4");
    }
  }
}
