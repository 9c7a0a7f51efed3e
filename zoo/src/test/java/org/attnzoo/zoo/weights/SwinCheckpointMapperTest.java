package org.attnzoo.zoo.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SwinCheckpointMapperTest {

  private final CheckpointMapper mapper = SwinCheckpointMapper.INSTANCE;

  @Test
  void parameterPathsAreTimmKeys() {
    for (String key :
        new String[] {
          "patch_embed.proj.weight",
          "layers.0.blocks.1.attn.relative_position_bias_table",
          "layers.1.downsample.reduction.weight",
          "head.fc.bias"
        }) {
      assertEquals(key, mapper.checkpointKey(key));
    }
  }

  @Test
  void constantBuffersAreDerived() {
    assertTrue(mapper.isDerived("layers.0.blocks.0.attn.relative_position_index"));
    assertTrue(mapper.isDerived("layers.0.blocks.1.attn_mask"));
    assertFalse(mapper.isDerived("layers.0.blocks.0.attn.relative_position_bias_table"));
    assertFalse(mapper.isDerived("norm.weight"));
  }
}
