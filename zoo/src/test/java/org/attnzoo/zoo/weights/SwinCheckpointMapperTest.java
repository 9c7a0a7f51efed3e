package org.attnzoo.zoo.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import org.attnzoo.zoo.io.Tensor;
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

  @Test
  void biasTableOfAnotherWindowIsResizedOtherTensorsAreNot() {
    Tensor table = new Tensor(DataType.FLOAT32, new Shape(49, 2), ByteBuffer.allocate(49 * 2 * 4));
    String key = "layers.0.blocks.0.attn.relative_position_bias_table";
    assertEquals(new Shape(121, 2), mapper.adapt(null, key, table, new Shape(121, 2)).shape());
    // a different head count is a plain mismatch, reported by the importer
    assertEquals(table, mapper.adapt(null, key, table, new Shape(121, 3)));
    assertEquals(table, mapper.adapt(null, "head.fc.weight", table, new Shape(121, 2)));
  }
}
