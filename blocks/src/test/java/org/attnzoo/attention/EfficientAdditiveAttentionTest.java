package org.attnzoo.attention;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

class EfficientAdditiveAttentionTest {

  @Test
  void satisfiesBlockContract() {
    BlockContract.verify(
        () -> new EfficientAdditiveAttention(AttentionSpec.of(32, 1)), new Shape(2, 9, 32));
  }

  @Test
  void rejectsBadInput() {
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = new EfficientAdditiveAttention(AttentionSpec.of(32, 1));
      block.initialize(manager, DataType.FLOAT32, new Shape(2, 9, 32));
      BlockContract.rejects(manager, block, new Shape(2, 9, 24), "channels");
      BlockContract.rejects(manager, block, new Shape(2, 32, 3, 3), "rank-3");
    }
  }

  @Test
  void registeredAsAdditive() {
    assertInstanceOf(
        EfficientAdditiveAttention.class,
        AttentionMechanisms.get("additive").create(AttentionSpec.of(8, 1)));
  }
}
