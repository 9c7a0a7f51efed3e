package org.attnzoo.zoo.parity;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import org.attnzoo.attention.AttentionSpec;
import org.attnzoo.attention.MultiHeadSelfAttention;
import org.attnzoo.backbones.vit.VitConfig;
import org.attnzoo.zoo.weights.CheckpointMapper;
import org.junit.jupiter.api.Test;

/** ViT and its multi-head self-attention against timm 1.0.29 on random weights. */
class VitParityTest {

  @Test
  void attentionMatchesTimm() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      // blocks/vit_attention: timm Attention(dim=64, num_heads=2, qkv_bias=True)
      var block = new MultiHeadSelfAttention(AttentionSpec.of(64, 2));
      double err =
          Fixture.of("blocks/vit_attention").maxAbsError(manager, block, CheckpointMapper.IDENTITY);
      System.out.printf("parity vit_attention max abs error %.3g%n", err);
      assertTrue(err < Fixture.TOLERANCE, "max abs error " + err);
    }
  }

  @Test
  void vitMicroMatchesTimm() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      // models/vit_micro: timm vit_tiny_patch16_224(img_size=32, patch_size=4, embed_dim=64,
      // depth=2, num_heads=2, num_classes=10)
      var config = VitConfig.builder().setImage(32, 4).setSize(64, 2, 2).optNumClasses(10).build();
      double err =
          Fixture.of("models/vit_micro")
              .maxAbsError(manager, config.newBlock(), CheckpointMapper.IDENTITY);
      System.out.printf("parity vit_micro max abs error %.3g%n", err);
      assertTrue(err < Fixture.TOLERANCE, "max abs error " + err);
    }
  }
}
