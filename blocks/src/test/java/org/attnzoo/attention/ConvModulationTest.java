package org.attnzoo.attention;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

class ConvModulationTest {

  @Test
  void satisfiesBlockContract() {
    BlockContract.verify(() -> new ConvModulation(8, 5), new Shape(2, 8, 6, 7));
  }

  @Test
  void rejectsBadInput() {
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = new ConvModulation(8, 5);
      block.initialize(manager, DataType.FLOAT32, new Shape(2, 8, 6, 6));
      BlockContract.rejects(manager, block, new Shape(2, 4, 6, 6), "channels");
      BlockContract.rejects(manager, block, new Shape(2, 8, 36), "rank-4");
    }
  }

  @Test
  void rejectsEvenKernel() {
    var e = assertThrows(IllegalArgumentException.class, () -> new ConvModulation(8, 4));
    assertTrue(e.getMessage().contains("kernelSize must be odd"), e.getMessage());
  }
}
