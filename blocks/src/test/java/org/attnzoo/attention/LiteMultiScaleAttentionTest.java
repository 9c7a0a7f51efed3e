package org.attnzoo.attention;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

class LiteMultiScaleAttentionTest {

  @Test
  void satisfiesBlockContract() {
    BlockContract.verify(() -> new LiteMultiScaleAttention(16, 4), new Shape(2, 16, 5, 7));
  }

  @Test
  void severalScalesAndAnotherOutputWidth() {
    BlockContract.verify(
        () -> new LiteMultiScaleAttention(16, 24, 8, List.of(3, 5), 1e-5f), new Shape(2, 16, 4, 4));
  }

  @Test
  void rejectsBadInput() {
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = new LiteMultiScaleAttention(16, 4);
      block.initialize(manager, DataType.FLOAT32, new Shape(2, 16, 4, 4));
      BlockContract.rejects(manager, block, new Shape(2, 8, 4, 4), "channels");
      BlockContract.rejects(manager, block, new Shape(2, 16, 16), "rank-4");
    }
  }

  @Test
  void rejectsBadConfiguration() {
    var e = assertThrows(IllegalArgumentException.class, () -> new LiteMultiScaleAttention(8, 16));
    assertTrue(e.getMessage().contains("headDim 16"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new LiteMultiScaleAttention(16, 16, 4, List.of(4), 1e-5f));
    assertTrue(e.getMessage().contains("odd"), e.getMessage());
  }
}
