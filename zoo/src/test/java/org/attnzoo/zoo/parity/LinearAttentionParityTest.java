package org.attnzoo.zoo.parity;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import org.attnzoo.attention.AttentionSpec;
import org.attnzoo.attention.CosFormerAttention;
import org.attnzoo.attention.EluLinearAttention;
import org.attnzoo.attention.HydraAttention;
import org.attnzoo.attention.SimAAttention;
import org.attnzoo.zoo.weights.CheckpointMapper;
import org.junit.jupiter.api.Test;

/**
 * The kernel-linear mechanisms against their official implementations on random weights (fixtures
 * from fast-transformers, OpenNLPLab/cosFormer, the Hydra paper's listing and UCDvision/sima). The
 * blocks carry the references' attribute names, so the weights load unmapped.
 */
class LinearAttentionParityTest {

  private static void check(String id, Block block) throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      double err =
          Fixture.of("blocks/" + id).maxAbsError(manager, block, CheckpointMapper.IDENTITY);
      System.out.printf("parity %s max abs error %.3g%n", id, err);
      assertTrue(err < Fixture.TOLERANCE, id + " max abs error " + err);
    }
  }

  @Test
  void eluLinearAttentionMatchesFastTransformers() throws Exception {
    // AttentionLayer(LinearAttention(elu_feature_map), d_model=32, n_heads=2)
    check("elu_linear_attention", new EluLinearAttention(AttentionSpec.of(32, 2)));
  }

  @Test
  void cosFormerMatchesOfficialCode() throws Exception {
    // CosformerAttention(embed_dim=32, num_heads=2), non-causal, relu
    check("cosformer_attention", new CosFormerAttention(AttentionSpec.of(32, 2)));
  }

  @Test
  void hydraMatchesPaperListing() throws Exception {
    // HydraAttention(d_model=32): heads = channels, so the spec's head count is irrelevant
    check("hydra_attention", new HydraAttention(AttentionSpec.of(32, 1)));
  }

  @Test
  void simaMatchesOfficialCode() throws Exception {
    // SimA(dim=32, num_heads=2, qkv_bias=True); N = 36 >= d = 16 takes the q (k^T v) branch
    check("sima_attention", new SimAAttention(AttentionSpec.of(32, 2)));
  }
}
