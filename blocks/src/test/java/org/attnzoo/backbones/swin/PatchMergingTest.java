package org.attnzoo.backbones.swin;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

class PatchMergingTest {

  @Test
  void satisfiesBlockContract() {
    BlockContract.verify(() -> new PatchMerging(8, 16, 1e-5f), new Shape(2, 4, 6, 8));
    // odd sizes are zero-padded to even ones, as timm
    BlockContract.verify(() -> new PatchMerging(8, 16, 1e-5f), new Shape(2, 5, 7, 8));
  }

  @Test
  void rejectsBadInput() {
    try (NDManager manager = NDManager.newBaseManager()) {
      PatchMerging b = new PatchMerging(8, 16, 1e-5f);
      b.initialize(manager, DataType.FLOAT32, new Shape(1, 4, 4, 8));
      BlockContract.rejects(manager, b, new Shape(1, 4, 4, 6), "channels");
      BlockContract.rejects(manager, b, new Shape(1, 16, 8), "rank-4");
    }
  }
}
