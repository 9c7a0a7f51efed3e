package org.attnzoo.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

class LayerNorm2dTest {

  @Test
  void satisfiesBlockContract() {
    BlockContract.verify(() -> new LayerNorm2d(6, 1e-6f), new Shape(2, 6, 3, 5));
    BlockContract.verify(() -> LayerNorm2d.withContiguousOutput(6, 1e-6f), new Shape(2, 6, 3, 5));
  }

  @Test
  void normalisesEachPixelOverChannels() {
    check(new LayerNorm2d(6, 1e-6f));
  }

  @Test
  void contiguousFormNormalisesEachPixelOverChannels() {
    check(LayerNorm2d.withContiguousOutput(6, 1e-6f));
  }

  private static void check(LayerNorm2d block) {
    try (NDManager manager = NDManager.newBaseManager()) {
      block.initialize(manager, DataType.FLOAT32, new Shape(2, 6, 3, 5));
      NDArray x = manager.randomNormal(new Shape(2, 6, 3, 5)).mul(3).add(1);
      NDArray y = block.forward(new ParameterStore(manager, false), new NDList(x), false).head();
      // With weight 1 and bias 0: (x - mean_c) / sqrt(var_c + eps), computed independently.
      NDArray mean = x.mean(new int[] {1}, true);
      NDArray var = x.sub(mean).pow(2).mean(new int[] {1}, true);
      NDArray expected = x.sub(mean).div(var.add(1e-6f).sqrt());
      assertTrue(y.allClose(expected, 1e-5, 1e-5, false));
      BlockContract.rejects(manager, block, new Shape(2, 5, 3, 5), "channels");
      BlockContract.rejects(manager, block, new Shape(2, 6, 15), "rank-4");
    }
  }
}
