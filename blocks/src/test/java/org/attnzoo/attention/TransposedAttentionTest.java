package org.attnzoo.attention;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

class TransposedAttentionTest {

  @Test
  void satisfiesBlockContract() {
    BlockContract.verify(
        () -> new TransposedAttention(AttentionSpec.of(32, 4)), new Shape(2, 9, 32));
  }

  @Test
  void rejectsBadInput() {
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = new TransposedAttention(AttentionSpec.of(32, 4));
      block.initialize(manager, DataType.FLOAT32, new Shape(2, 9, 32));
      BlockContract.rejects(manager, block, new Shape(2, 9, 16), "channels");
      BlockContract.rejects(manager, block, new Shape(2, 3, 3, 32), "rank-3");
    }
  }

  @Test
  void registeredAsXca() {
    assertInstanceOf(
        TransposedAttention.class, AttentionMechanisms.get("xca").create(AttentionSpec.of(8, 2)));
  }
}
