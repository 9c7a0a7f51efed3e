package org.attnzoo.backbones.vit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  @Test
  void nonSquareImages() {
    VitConfig cfg = SMALL.toBuilder().optImgSize(16, 24).build();
    assertEquals(new Shape(3, 16, 24), cfg.inputShape());
    assertEquals(4, cfg.gridHeight());
    assertEquals(6, cfg.gridWidth());
    BlockContract.verify(cfg::newBlock, cfg.inputShape(2));
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = cfg.newBlock();
      block.initialize(manager, DataType.FLOAT32, cfg.inputShape(1));
      assertEquals(
          new Shape(1, 1 + 24, 32), block.getParameters().get("pos_embed").getArray().getShape());
      BlockContract.rejects(manager, block, new Shape(1, 3, 24, 16), "16x24 (HxW)");
    }
  }

  @Test
  void squareApiIsTheSquareCaseOfHeightAndWidth() {
    assertEquals(SMALL, SMALL.toBuilder().optImgSize(16, 16).build());
    assertEquals(SMALL, SMALL.toBuilder().setImage(16, 16, 4).build());
    // the one-side setters make the input square again
    assertEquals(SMALL, SMALL.toBuilder().optImgSize(16, 24).optImgSize(16).build());
    assertEquals(SMALL, SMALL.toBuilder().optImgSize(16, 24).setImage(16, 4).build());
    VitConfig wide = SMALL.toBuilder().optImgSize(16, 24).build();
    assertEquals(wide, wide.toBuilder().build());
  }

  @Test
  void sizeValidationNamesBothSides() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> SMALL.toBuilder().optImgSize(16, 18).build());
    assertTrue(e.getMessage().contains("imgSize 16x18 (HxW)"), e.getMessage());
    assertTrue(e.getMessage().contains("patchSize 4"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> SMALL.toBuilder().optImgSize(0, 16).build());
    assertTrue(e.getMessage().contains("imgHeight must be > 0, got 0"), e.getMessage());
  }
}
