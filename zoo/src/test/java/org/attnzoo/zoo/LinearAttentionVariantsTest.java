package org.attnzoo.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import org.attnzoo.attention.AttentionMechanisms;
import org.attnzoo.attention.AttentionSpec;
import org.attnzoo.backbones.vit.VitConfig;
import org.attnzoo.nn.ParameterPaths;
import org.junit.jupiter.api.Test;

/** The ViT rows with kernel-linear attention: present, and counted as the formula says. */
class LinearAttentionVariantsTest {

  private static final String[] MECHANISMS = {"elu", "cosformer", "hydra", "sima"};
  private static final String[] BASES = {
    "vit_tiny_patch16_224", "vit_small_patch16_224", "vit_micro_patch4_32"
  };

  /** Parameters of one attention layer of width C, from each reference's module layout. */
  private static long attentionParams(String mechanism, long c) {
    long linear = c * c + c; // a C -> C projection with bias
    return switch (mechanism) {
      // timm Attention: qkv (C -> 3C) + proj
      case "mhsa" -> 3 * linear + linear;
      // fast-transformers AttentionLayer: query/key/value/out_projection
      case "elu" -> 4 * linear;
      // official CosformerAttention: q/k/v/out_proj
      case "cosformer" -> 4 * linear;
      // Hydra listing: qkv (C -> 3C) + out; heads = channels add nothing
      case "hydra" -> 3 * linear + linear;
      // official SimA: qkv (C -> 3C) + proj
      case "sima" -> 3 * linear + linear;
      default -> throw new IllegalArgumentException(mechanism);
    };
  }

  private static long built(String mechanism, long c, int heads) {
    try (NDManager manager = NDManager.newBaseManager()) {
      Block block =
          AttentionMechanisms.get(mechanism).create(new AttentionSpec(c, heads, true, 0f, 0f, 197));
      block.initialize(manager, DataType.FLOAT32, new Shape(1, 5, c));
      return ParameterPaths.of(block).values().stream()
          .mapToLong(LinearAttentionVariantsTest::size)
          .sum();
    }
  }

  private static long size(Parameter p) {
    return p.getArray().size();
  }

  @Test
  void everyMechanismHasRowsWithFormulaCounts() {
    for (String base : BASES) {
      Variant mhsa = Variants.get(base);
      VitConfig config = (VitConfig) mhsa.config();
      long c = config.embedDim();
      for (String mechanism : MECHANISMS) {
        String name = base + "_" + mechanism;
        assertTrue(Variants.contains(name), name);
        Variant v = Variants.get(name);
        assertEquals(mechanism, ((VitConfig) v.config()).attention().key(), name);
        assertEquals(mhsa.data(), v.data(), name);
        // Same backbone, so the count differs from timm's MHSA ViT only by the attention layers.
        long perLayer = attentionParams(mechanism, c) - attentionParams("mhsa", c);
        long expected = mhsa.reference().params() + config.depth() * perLayer;
        assertEquals(expected, v.reference().params(), name);
        assertEquals(attentionParams(mechanism, c), built(mechanism, c, config.numHeads()), name);
        assertEquals(expected, AttnZoo.parameterCount(v), name);
      }
    }
  }
}
