package org.attnzoo.attention;

import static org.attnzoo.attention.QuadraticForms.linear;
import static org.attnzoo.attention.QuadraticForms.maxAbs;
import static org.attnzoo.attention.QuadraticForms.run;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.attnzoo.nn.ParameterPaths;
import org.attnzoo.testing.BlockContract;
import org.junit.jupiter.api.Test;

class HydraAttentionTest {

  private static final AttentionSpec SPEC = AttentionSpec.of(32, 4);

  @Test
  void satisfiesBlockContract() {
    BlockContract.verify(() -> new HydraAttention(SPEC), new Shape(2, 9, 32));
  }

  @Test
  void rejectsBadInput() {
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = new HydraAttention(SPEC);
      block.initialize(manager, DataType.FLOAT32, new Shape(2, 9, 32));
      BlockContract.rejects(manager, block, new Shape(2, 9, 16), "channels");
      BlockContract.rejects(manager, block, new Shape(9, 32), "rank-3");
    }
  }

  /**
   * Hydra as multi-head attention with H = C heads of width 1 and the cosine-similarity kernel
   * (paper): per channel c an explicit N x N matrix A_c[i, j] = q^_ic k^_jc, out_ic = sum_j A_c[i,
   * j] v_jc, with q^, k^ the L2-normalised token vectors.
   */
  private static NDArray quadratic(HydraAttention block, NDArray x) {
    NDList qkv = linear(block, "qkv", x).split(3, 2);
    NDArray q = qkv.get(0).div(qkv.get(0).norm(new int[] {-1}, true));
    NDArray k = qkv.get(1).div(qkv.get(1).norm(new int[] {-1}, true));
    // [B, N, C] -> [B, C, N, 1]: one head per channel.
    NDArray qh = q.transpose(0, 2, 1).expandDims(-1);
    NDArray kh = k.transpose(0, 2, 1).expandDims(-1);
    NDArray vh = qkv.get(2).transpose(0, 2, 1).expandDims(-1);
    NDArray sim = qh.matMul(kh.transpose(0, 1, 3, 2)); // [B, C, N, N]
    NDArray out = sim.matMul(vh).squeeze(-1).transpose(0, 2, 1);
    return linear(block, "out", out);
  }

  @Test
  void equalsQuadraticForm() {
    try (NDManager manager = NDManager.newBaseManager()) {
      manager.getEngine().setRandomSeed(13);
      var block = new HydraAttention(SPEC);
      block.initialize(manager, DataType.FLOAT32, new Shape(2, 50, 32));
      NDArray x = manager.randomNormal(new Shape(2, 50, 32));
      double err = maxAbs(run(block, x), quadratic(block, x.toType(DataType.FLOAT64, false)));
      System.out.printf("hydra vs quadratic form: max abs %.3g%n", err);
      assertTrue(err < 1e-5, "max abs error " + err);
    }
  }

  @Test
  void zeroQueriesAndKeysGiveNoNan() {
    try (NDManager manager = NDManager.newBaseManager()) {
      var block = new HydraAttention(SPEC);
      block.initialize(manager, DataType.FLOAT32, new Shape(2, 9, 32));
      var params = ParameterPaths.of(block);
      // Zero projection: every q and k is the zero vector, which the paper's listing maps to NaN.
      params.get("qkv.weight").getArray().muli(0);
      params.get("qkv.bias").getArray().muli(0);
      NDArray x = manager.randomNormal(new Shape(2, 9, 32));
      NDArray out = run(block, x);
      NDArray bias = params.get("out.bias").getArray().toType(DataType.FLOAT64, false);
      assertTrue(maxAbs(out, bias.broadcast(out.getShape())) == 0.0, "output must be out.bias");
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray y = block.forward(new ParameterStore(manager, false), new NDList(x), true).head();
        gc.backward(y.mul(manager.randomNormal(y.getShape())).sum());
      }
      NDArray grad = params.get("qkv.weight").getArray().getGradient();
      assertTrue(grad.isNaN().logicalOr(grad.isInfinite()).none().getBoolean(), "finite grads");
    }
  }
}
