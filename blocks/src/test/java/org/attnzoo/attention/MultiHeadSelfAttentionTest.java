package org.attnzoo.attention;

import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

class MultiHeadSelfAttentionTest {

  @Test
  void satisfiesBlockContract() {
    BlockContract.verify(
        () -> new MultiHeadSelfAttention(AttentionSpec.of(32, 4)), new Shape(2, 9, 32));
  }

  @Test
  void rejectsBadInput() {
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = new MultiHeadSelfAttention(AttentionSpec.of(32, 4));
      block.initialize(manager, DataType.FLOAT32, new Shape(2, 9, 32));
      BlockContract.rejects(manager, block, new Shape(2, 9, 16), "channels");
      BlockContract.rejects(manager, block, new Shape(9, 32), "rank-3");
    }
  }

  @Test
  void rejectsIndivisibleHeads() {
    var e = assertThrows(IllegalArgumentException.class, () -> AttentionSpec.of(100, 3));
    org.junit.jupiter.api.Assertions.assertEquals(
        "embedDim 100 is not divisible by numHeads 3", e.getMessage());
  }
}
