package org.attnzoo.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

/** The shared layers against their definitions and the block contract. */
class LayersTest {

  @Test
  void layerNormNormalisesTheLastAxisWithTimmEps() {
    BlockContract.verify(() -> LayerNorm.of(8), new Shape(2, 5, 8));
    try (NDManager m = NDManager.newBaseManager()) {
      LayerNorm ln = LayerNorm.of(4);
      ln.initialize(m, DataType.FLOAT32, new Shape(1, 4));
      NDArray x = m.create(new float[] {1, 2, 3, 6}, new Shape(1, 4));
      NDArray y = ln.forward(new ParameterStore(m, false), new NDList(x), false).head();
      // mean 3, biased variance 3.5: (x - 3) / sqrt(3.5 + 1e-6)
      float s = (float) Math.sqrt(3.5 + 1e-6);
      assertTrue(
          y.allClose(
              m.create(new float[] {-2 / s, -1 / s, 0, 3 / s}, new Shape(1, 4)),
              1e-6,
              1e-6,
              false));
      BlockContract.rejects(m, ln, new Shape(1, 5), "channels");
    }
  }

  @Test
  void mlpContract() {
    BlockContract.verify(() -> Mlp.of(8, 2.0), new Shape(2, 3, 8));
    try (NDManager m = NDManager.newBaseManager()) {
      Mlp mlp = Mlp.of(8, 2.0);
      mlp.initialize(m, DataType.FLOAT32, new Shape(2, 8));
      BlockContract.rejects(m, mlp, new Shape(2, 7), "channels");
    }
  }

  @Test
  void layerScaleContract() {
    BlockContract.verify(() -> new LayerScale(6, 0.1f), new Shape(2, 3, 6));
  }

  @Test
  void channelsFirstLayerScaleScalesAxisOneWithTimmsGammaShape() {
    BlockContract.verify(() -> LayerScale.channelsFirst(6, 0.1f), new Shape(2, 6, 3, 4));
    try (NDManager m = NDManager.newBaseManager()) {
      LayerScale ls = LayerScale.channelsFirst(2, 0.5f);
      ls.initialize(m, DataType.FLOAT32, new Shape(1, 2, 1, 2));
      // timm's LayerScale2d keeps gamma as [C, 1, 1].
      NDArray gamma = ParameterPaths.of(ls).get("gamma").getArray();
      assertEquals(new Shape(2, 1, 1), gamma.getShape());
      gamma.set(new float[] {2f, -1f});
      NDArray x = m.create(new float[] {1, 2, 3, 4}, new Shape(1, 2, 1, 2));
      NDArray y = ls.forward(new ParameterStore(m, false), new NDList(x), false).head();
      assertTrue(y.allClose(m.create(new float[] {2, 4, -3, -4}, new Shape(1, 2, 1, 2))));
      BlockContract.rejects(m, ls, new Shape(1, 3, 1, 2), "channels");
      BlockContract.rejects(m, ls, new Shape(1, 2, 2), "rank-4");
    }
  }

  @Test
  void batchNormUsesBatchStatisticsInTrainingAndRunningOnesOtherwise() {
    BlockContract.verify(() -> BatchNorm.of(4), new Shape(3, 4, 5, 5));
    try (NDManager m = NDManager.newBaseManager()) {
      BatchNorm bn = BatchNorm.of(2);
      bn.initialize(m, DataType.FLOAT32, new Shape(4, 2));
      NDArray x = m.randomNormal(3f, 2f, new Shape(64, 2), DataType.FLOAT32);
      ParameterStore ps = new ParameterStore(m, false);
      NDArray train = bn.forward(ps, new NDList(x), true).head();
      assertTrue(train.mean(new int[] {0}).abs().max().getFloat() < 1e-4);
      // running_mean moved by momentum 0.1 towards the batch mean (PyTorch convention).
      NDArray runningMean = ParameterPaths.of(bn).get("running_mean").getArray();
      assertTrue(runningMean.allClose(x.mean(new int[] {0}).mul(0.1f), 1e-4, 1e-5, false));
      NDArray eval = bn.forward(ps, new NDList(x), false).head();
      assertTrue(eval.mean(new int[] {0}).abs().max().getFloat() > 1f);
      BlockContract.rejects(m, bn, new Shape(4, 3), "channels");
    }
  }

  @Test
  void patchEmbedTokensAreRowMajorPatches() {
    BlockContract.verify(() -> new PatchEmbed(4, 3, 16), new Shape(2, 3, 8, 12));
    try (NDManager m = NDManager.newBaseManager()) {
      PatchEmbed pe = new PatchEmbed(4, 3, 16);
      pe.initialize(m, DataType.FLOAT32, new Shape(1, 3, 8, 8));
      assertEquals(
          new Shape(5, 6, 16), pe.getOutputShapes(new Shape[] {new Shape(5, 3, 8, 12)})[0]);
      BlockContract.rejects(m, pe, new Shape(1, 3, 10, 8), "multiples of the patch size 4");
      BlockContract.rejects(m, pe, new Shape(1, 1, 8, 8), "channels");
      BlockContract.rejects(m, pe, new Shape(3, 8, 8), "rank-4");
    }
  }

  @Test
  void dropPathDropsWholeSamplesOnlyInTraining() {
    try (NDManager m = NDManager.newBaseManager()) {
      DropPath dp = new DropPath(0.5f);
      dp.initialize(m, DataType.FLOAT32, new Shape(1000, 4));
      NDArray x = m.ones(new Shape(1000, 4));
      ParameterStore ps = new ParameterStore(m, false);
      assertEquals(x, dp.forward(ps, new NDList(x), false).head());
      NDArray y = dp.forward(ps, new NDList(x), true).head();
      // Each sample is either all 0 or all 1 / keep = 2.
      NDArray rowMin = y.min(new int[] {1});
      NDArray rowMax = y.max(new int[] {1});
      assertEquals(rowMin, rowMax);
      assertTrue(y.eq(0).logicalOr(y.eq(2)).all().getBoolean());
      double kept = y.get(":, 0").eq(2).sum().getLong() / 1000.0;
      assertTrue(Math.abs(kept - 0.5) < 0.08, "kept fraction " + kept);
      assertThrows(IllegalArgumentException.class, () -> new DropPath(1f));
    }
  }
}
