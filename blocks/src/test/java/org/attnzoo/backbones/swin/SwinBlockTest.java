package org.attnzoo.backbones.swin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.attnzoo.attention.AttentionSpec;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

class SwinBlockTest {

  private static SwinBlock block(int h, int w, int window, int shift) {
    return new SwinBlock(AttentionSpec.of(16, 2), h, w, window, shift, 2.0, 0f, 1e-5f);
  }

  @Test
  void satisfiesBlockContract() {
    BlockContract.verify(() -> block(8, 8, 4, 0), new Shape(2, 8, 8, 16));
    BlockContract.verify(() -> block(8, 8, 4, 2), new Shape(2, 8, 8, 16));
    // padded to whole windows: 6x10 -> 8x12
    BlockContract.verify(() -> block(6, 10, 4, 2), new Shape(2, 6, 10, 16));
    BlockContract.verify(
        () -> new SwinBlock(AttentionSpec.of(16, 2), 8, 8, 4, 2, 2.0, 0.2f, 1e-5f),
        new Shape(2, 8, 8, 16));
  }

  @Test
  void windowShrinksToSmallResolutionsWithoutShift() {
    SwinBlock small = block(4, 4, 7, 3);
    assertArrayEquals(new int[] {4, 4}, small.getWindowSize());
    assertArrayEquals(new int[] {0, 0}, small.getShiftSize());
    // only the axis that fits in one window loses its shift (timm _calc_window_shift)
    SwinBlock tall = block(8, 4, 4, 2);
    assertArrayEquals(new int[] {4, 4}, tall.getWindowSize());
    assertArrayEquals(new int[] {2, 0}, tall.getShiftSize());
    BlockContract.verify(() -> block(8, 4, 4, 2), new Shape(2, 8, 4, 16));
  }

  @Test
  void rejectsBadInput() {
    try (NDManager manager = NDManager.newBaseManager()) {
      SwinBlock b = block(8, 8, 4, 2);
      b.initialize(manager, DataType.FLOAT32, new Shape(1, 8, 8, 16));
      BlockContract.rejects(manager, b, new Shape(1, 8, 12, 16), "8x8 map");
      BlockContract.rejects(manager, b, new Shape(1, 8, 8, 15), "channels");
      BlockContract.rejects(manager, b, new Shape(1, 64, 16), "rank-4");
    }
    assertThrows(IllegalArgumentException.class, () -> block(8, 8, 4, 4));
  }
}
