package org.attnzoo.backbones.swin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class ShiftedWindowsTest {

  @Test
  void rollMovesEveryElementByTheShift() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray x = manager.arange(0f, 2 * 5 * 3).reshape(2, 5, 3);
      for (int shift : new int[] {-7, -2, 0, 1, 3, 5}) {
        float[] out = ShiftedWindows.roll(x, 1, shift).toFloatArray();
        // torch.roll: out[i] = x[(i - shift) mod n]
        for (int b = 0; b < 2; b++) {
          for (int i = 0; i < 5; i++) {
            for (int c = 0; c < 3; c++) {
              int src = Math.floorMod(i - shift, 5);
              assertEquals((b * 5 + src) * 3 + c, out[(b * 5 + i) * 3 + c], 0f, "shift " + shift);
            }
          }
        }
      }
    }
  }

  @Test
  void partitionTakesRowMajorWindowsAndReverseUndoesIt() {
    try (NDManager manager = NDManager.newBaseManager()) {
      int h = 4;
      int w = 6;
      NDArray x = manager.arange(0f, 2 * h * w * 2).reshape(2, h, w, 2);
      NDArray windows = ShiftedWindows.partition(x, 2, 3);
      assertEquals(new Shape(2 * 2 * 2, 6, 2), windows.getShape());
      float[] in = x.toFloatArray();
      float[] out = windows.toFloatArray();
      for (int b = 0; b < 2; b++) {
        for (int wy = 0; wy < 2; wy++) {
          for (int wx = 0; wx < 2; wx++) {
            for (int t = 0; t < 6; t++) {
              int y = wy * 2 + t / 3;
              int xx = wx * 3 + t % 3;
              int win = (b * 2 + wy) * 2 + wx;
              assertEquals(in[((b * h + y) * w + xx) * 2 + 1], out[(win * 6 + t) * 2 + 1], 0f);
            }
          }
        }
      }
      assertArrayEquals(in, ShiftedWindows.reverse(windows, 2, 3, h, w).toFloatArray(), 0f);
    }
  }

  @Test
  void padEndAppendsZeros() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray x = manager.ones(new Shape(1, 3, 2, 1), DataType.FLOAT32);
      NDArray padded = ShiftedWindows.padEnd(x, 1, 5);
      assertEquals(new Shape(1, 5, 2, 1), padded.getShape());
      assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 0, 0, 0, 0}, padded.toFloatArray(), 0f);
    }
  }

  @Test
  void maskSeparatesTheRegionsOfTheShiftedMap() {
    // 8x8 map, window 4, shift 2 (paper Fig. 4): rows and columns split into [0, 4), [4, 6),
    // [6, 8); the top-left window lies in one region, the others mix 2 or 4 regions.
    float[] mask = ShiftedWindows.attentionMask(8, 8, 4, 4, 2, 2);
    assertEquals(4 * 16 * 16, mask.length);
    int[] blockedPairs = new int[4];
    for (int w = 0; w < 4; w++) {
      for (int i = 0; i < 16; i++) {
        assertEquals(0f, mask[(w * 16 + i) * 16 + i], "a token always sees itself");
        for (int j = 0; j < 16; j++) {
          float v = mask[(w * 16 + i) * 16 + j];
          assertEquals(v, mask[(w * 16 + j) * 16 + i], "symmetric");
          if (v != 0f) {
            assertEquals(ShiftedWindows.MASK_VALUE, v);
            blockedPairs[w]++;
          }
        }
      }
    }
    // two regions of 8 tokens: 2 * 8 * 8 blocked; four regions of 4 tokens: 16 * 16 - 4 * 4 * 4
    assertArrayEquals(new int[] {0, 128, 128, 192}, blockedPairs);
  }
}
