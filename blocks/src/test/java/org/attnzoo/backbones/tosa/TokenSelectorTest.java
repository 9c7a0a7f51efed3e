package org.attnzoo.backbones.tosa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.List;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenSelectorTest {

  @Test
  void satisfiesBlockContract() {
    BlockContract.verify(() -> new TokenSelector(4, 6, 3, 0.5, 1), new Shape(2, 4, 9, 9));
  }

  @Test
  void predictsOneDistributionPerHeadAndQuery() {
    try (NDManager manager = NDManager.newBaseManager()) {
      TokenSelector selector = new TokenSelector(3, 5, 3, 0.5, 1);
      Shape in = new Shape(2, 3, 9, 9);
      selector.initialize(manager, DataType.FLOAT32, in);
      NDArray logProbs =
          selector
              .forward(
                  new ParameterStore(manager, false), new NDList(manager.randomNormal(in)), false)
              .singletonOrThrow();
      assertEquals(in, logProbs.getShape());
      NDArray rowSums = logProbs.exp().sum(new int[] {-1});
      assertTrue(rowSums.allClose(manager.ones(new Shape(2, 3, 9)), 1e-5, 1e-5, false));
      // Each of the h * N predicted rows sums to 1, so the importances sum to h * N per sample.
      NDArray total = TokenSelector.importance(logProbs).sum(new int[] {1});
      assertTrue(total.allClose(manager.full(new Shape(2), 27f), 1e-4, 1e-4, false));
    }
  }

  @Test
  void topKKeepsTheClassTokenAndTheMostImportantPatches() {
    try (NDManager manager = NDManager.newBaseManager()) {
      // 1 class token + 8 patches; keep 0.5 -> class token + 4 patches.
      TokenSelector selector = new TokenSelector(2, 2, 3, 0.5, 1);
      NDArray importance =
          manager.create(
              new float[][] {
                {0.0f, 5f, 1f, 7f, 2f, 8f, 3f, 6f, 4f},
                {9.9f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f}
              });
      long[] kept = selector.select(importance).toLongArray();
      // The class token has the lowest importance in row 0 and is still kept.
      assertArrayEquals(new long[] {0, 1, 3, 5, 7, 0, 5, 6, 7, 8}, kept);
    }
  }

  @Test
  void hostSelectionEqualsTopKSelection() {
    // The CPU path ranks on the host; it must keep exactly what topK + sort keep.
    try (NDManager manager = NDManager.newBaseManager()) {
      for (int prefix : new int[] {0, 1, 2}) {
        for (double keep : new double[] {0.1, 0.5, 0.7, 1.0}) {
          TokenSelector selector = new TokenSelector(2, 2, 3, keep, prefix);
          // Distinct values (a random permutation scaled), so that no tie decides the result.
          NDArray importance = manager.randomUniform(0f, 1f, new Shape(5, 197)).argSort(1);
          importance = importance.toType(DataType.FLOAT32, false).mul(0.37f).add(1f);
          long[] host = selector.selectOnHost(importance).toLongArray();
          long[] topK = selector.selectWithTopK(importance).toLongArray();
          assertArrayEquals(topK, host, "prefix " + prefix + ", keep " + keep);
          assertArrayEquals(host, selector.select(importance).toLongArray());
        }
      }
    }
  }

  @Test
  void tiesKeepTheLowerIndexAsOnnxTopK() {
    try (NDManager manager = NDManager.newBaseManager()) {
      // 1 class token + 6 patches, keep 0.5 -> class token + 3 patches; patches 2, 3, 5 tie.
      TokenSelector selector = new TokenSelector(2, 2, 3, 0.5, 1);
      NDArray importance = manager.create(new float[][] {{0f, 1f, 4f, 4f, 9f, 4f, 0.5f}});
      assertArrayEquals(new long[] {0, 2, 3, 4}, selector.select(importance).toLongArray());
    }
  }

  @Test
  void keptTokenCounts() {
    assertEquals(9, TokenSelector.keptTokens(17, 1, 0.5));
    assertEquals(17, TokenSelector.keptTokens(17, 1, 1.0));
    assertEquals(12, TokenSelector.keptTokens(17, 1, 0.7)); // 1 + round(11.2)
    assertEquals(2, TokenSelector.keptTokens(17, 1, 0.01)); // at least one patch
    assertEquals(138, TokenSelector.keptTokens(197, 1, 0.7)); // ViT-Ti/16 at 224: 1 + 137
    assertEquals(8, TokenSelector.keptTokens(16, 0, 0.5));
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, -0.25, 1.5, Double.NaN})
  void rejectsBadKeepRatios(double keepRatio) {
    for (var attempt :
        new Executable[] {
          () -> new TokenSelector(2, 2, 3, keepRatio, 1),
          () -> TosaLayers.alternate(4, keepRatio),
          () -> new TosaLayers(keepRatio, List.of(1), 0, 3)
        }) {
      var e = assertThrows(IllegalArgumentException.class, attempt);
      assertTrue(e.getMessage().contains("keepRatio must be in (0, 1]"), e.getMessage());
      assertTrue(e.getMessage().contains(String.valueOf(keepRatio)), e.getMessage());
    }
  }

  @Test
  void rejectsBadKernelAndInput() {
    var e = assertThrows(IllegalArgumentException.class, () -> new TokenSelector(2, 2, 2, 0.5, 1));
    assertTrue(e.getMessage().contains("kernelSize must be odd"), e.getMessage());
    try (NDManager manager = NDManager.newBaseManager()) {
      TokenSelector selector = new TokenSelector(3, 3, 3, 0.5, 1);
      selector.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 9, 9));
      BlockContract.rejects(manager, selector, new Shape(1, 2, 9, 9), "heads");
      BlockContract.rejects(manager, selector, new Shape(1, 3, 9, 8), "square");
      BlockContract.rejects(manager, selector, new Shape(3, 9, 9), "rank-4");
    }
  }
}
