package org.attnzoo.zoo.parity;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.attnzoo.attention.LiteMultiScaleAttention;
import org.attnzoo.backbones.efficientvit.EfficientVitConfig;
import org.attnzoo.zoo.weights.CheckpointMapper;
import org.junit.jupiter.api.Test;

/** EfficientViT (MIT) and its LiteMLA against timm 1.0.29 on random weights. */
class EfficientVitParityTest {

  @Test
  void liteMlaMatchesTimm() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      // blocks/efficientvit_litemla: timm LiteMLA(32, 32, dim=8, norm_layer=(None, BatchNorm2d))
      var block = new LiteMultiScaleAttention(32, 8);
      double err =
          Fixture.of("blocks/efficientvit_litemla")
              .maxAbsError(manager, block, CheckpointMapper.IDENTITY);
      System.out.printf("parity efficientvit_litemla max abs error %.3g%n", err);
      assertTrue(err < Fixture.TOLERANCE, "max abs error " + err);
    }
  }

  @Test
  void microModelMatchesTimm() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      // models/efficientvit_micro: timm efficientvit_b0(widths=(8,8,16,32,32),
      // depths=(1,1,1,1,2), head_dim=8, head_widths=(64,80), num_classes=10)
      var config =
          EfficientVitConfig.of(
                  List.of(8, 8, 16, 32, 32), List.of(1, 1, 1, 1, 2), 8, List.of(64, 80))
              .withNumClasses(10)
              .withImgSize(64);
      double err =
          Fixture.of("models/efficientvit_micro")
              .maxAbsError(manager, config.newBlock(), CheckpointMapper.IDENTITY);
      System.out.printf("parity efficientvit_micro max abs error %.3g%n", err);
      assertTrue(err < Fixture.TOLERANCE, "max abs error " + err);
    }
  }
}
