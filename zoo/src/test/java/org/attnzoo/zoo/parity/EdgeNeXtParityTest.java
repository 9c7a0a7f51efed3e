package org.attnzoo.zoo.parity;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.attnzoo.attention.AttentionMechanisms;
import org.attnzoo.attention.AttentionSpec;
import org.attnzoo.attention.TransposedAttention;
import org.attnzoo.backbones.edgenext.EdgeNeXtConfig;
import org.attnzoo.backbones.edgenext.SdtaEncoder;
import org.attnzoo.zoo.weights.CheckpointMapper;
import org.junit.jupiter.api.Test;

/** EdgeNeXt, its SDTA encoder and transposed attention against timm 1.0.29 on random weights. */
class EdgeNeXtParityTest {

  private static void report(String id, double err) {
    System.out.printf("parity %s max abs error %.3g%n", id, err);
    assertTrue(err < Fixture.TOLERANCE, id + " max abs error " + err);
  }

  @Test
  void transposedAttentionMatchesTimm() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      // blocks/edgenext_xca: timm CrossCovarianceAttn(dim=32, num_heads=2, qkv_bias=True)
      var block = new TransposedAttention(AttentionSpec.of(32, 2));
      report(
          "edgenext_xca",
          Fixture.of("blocks/edgenext_xca").maxAbsError(manager, block, CheckpointMapper.IDENTITY));
    }
  }

  @Test
  void sdtaEncoderMatchesTimm() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      // blocks/edgenext_sdta: timm SplitTransposeBlock(dim=32, num_scales=2, num_heads=2,
      // use_pos_emb=True); defaults expand_ratio 4, qkv_bias True, ls_init_value 1e-6.
      var block =
          new SdtaEncoder(
              AttentionSpec.of(32, 2), AttentionMechanisms.get("xca"), 2, 4.0, true, 1e-6f, 0f);
      report(
          "edgenext_sdta",
          Fixture.of("blocks/edgenext_sdta")
              .maxAbsError(manager, block, CheckpointMapper.IDENTITY));
    }
  }

  @Test
  void edgenextMicroMatchesTimm() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      // models/edgenext_micro: timm edgenext_xx_small(depths=[1,2,2,2], dims=[16,32,48,64],
      // heads=[2,2,2,2], num_classes=10), 64x64 input.
      var config =
          EdgeNeXtConfig.builder()
              .setStages(List.of(1, 2, 2, 2), List.of(16, 32, 48, 64))
              .optHeads(2, 2, 2, 2)
              .optNumClasses(10)
              .optImgSize(64)
              .build();
      report(
          "edgenext_micro",
          Fixture.of("models/edgenext_micro")
              .maxAbsError(manager, config.newBlock(), CheckpointMapper.IDENTITY));
    }
  }
}
