package org.attnzoo.backbones.swin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.attnzoo.attention.AttentionSpec;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

class WindowAttentionTest {

  private static WindowAttention attention() {
    return new WindowAttention(AttentionSpec.of(16, 2), 4, 4);
  }

  @Test
  void satisfiesBlockContract() {
    BlockContract.verify(WindowAttentionTest::attention, new Shape(4, 16, 16));
    BlockContract.verify(
        () -> new WindowAttention(AttentionSpec.of(12, 3), 2, 3), new Shape(2, 6, 12));
  }

  @Test
  void relativePositionIndexEqualsTimms() {
    // timm 1.0.29 get_relative_position_index(2, 2) and (2, 3), flattened
    assertArrayEquals(
        new long[] {4, 3, 1, 0, 5, 4, 2, 1, 7, 6, 4, 3, 8, 7, 5, 4},
        WindowAttention.relativePositionIndex(2, 2));
    assertArrayEquals(
        new long[] {
          7, 6, 5, 2, 1, 0, 8, 7, 6, 3, 2, 1, 9, 8, 7, 4, 3, 2, 12, 11, 10, 7, 6, 5, 13, 12, 11, 8,
          7, 6, 14, 13, 12, 9, 8, 7
        },
        WindowAttention.relativePositionIndex(2, 3));
  }

  @Test
  void maskedKeysDoNotInfluenceOutput() {
    // With a large negative mask between the first 8 and last 8 tokens of every window, changing
    // the last 8 tokens must not change the output of the first 8.
    try (NDManager manager = NDManager.newBaseManager()) {
      WindowAttention block = attention();
      Shape x = new Shape(4, 16, 16);
      Shape m = new Shape(2, 16, 16);
      block.initialize(manager, DataType.FLOAT32, x, m);
      float[] mask = new float[2 * 16 * 16];
      for (int w = 0; w < 2; w++) {
        for (int i = 0; i < 16; i++) {
          for (int j = 0; j < 16; j++) {
            mask[(w * 16 + i) * 16 + j] = (i < 8) == (j < 8) ? 0f : -1e4f;
          }
        }
      }
      NDArray maskArray = manager.create(mask, m);
      NDArray a = manager.randomNormal(x);
      NDArray b = a.duplicate();
      b.set(new NDIndex(":, 8:, :"), manager.randomNormal(new Shape(4, 8, 16)));
      ParameterStore ps = new ParameterStore(manager, false);
      NDArray outA = block.forward(ps, new NDList(a, maskArray), false).head();
      NDArray outB = block.forward(ps, new NDList(b, maskArray), false).head();
      NDIndex first = new NDIndex(":, :8, :");
      assertTrue(outA.get(first).allClose(outB.get(first), 1e-5, 1e-5, false));
      assertTrue(!outA.allClose(outB, 1e-3, 1e-3, false), "the last tokens must change");
    }
  }

  @Test
  void rejectsBadInput() {
    try (NDManager manager = NDManager.newBaseManager()) {
      WindowAttention block = attention();
      block.initialize(manager, DataType.FLOAT32, new Shape(4, 16, 16));
      BlockContract.rejects(manager, block, new Shape(4, 9, 16), "tokens per 4x4 window");
      BlockContract.rejects(manager, block, new Shape(4, 16, 8), "channels");
      BlockContract.rejects(manager, block, new Shape(16, 16), "rank-3");
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  block.getOutputShapes(new Shape[] {new Shape(4, 16, 16), new Shape(3, 16, 16)}));
      assertTrue(e.getMessage().contains("multiple of the mask's 3 windows"), e.getMessage());
    }
  }
}
