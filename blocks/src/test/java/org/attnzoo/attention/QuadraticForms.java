package org.attnzoo.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import org.attnzoo.nn.ParameterPaths;

/**
 * Helpers for checking linear-attention blocks against their quadratic forms: the test writes the N
 * x N similarity of the paper explicitly, in float64, from the block's own projection weights.
 */
final class QuadraticForms {

  private QuadraticForms() {}

  /**
   * @param block an initialised block
   * @param name the projection's child name, e.g. {@code q_proj}
   * @param x input {@code [B, N, C]} (float64)
   * @return {@code x W^T + b} in float64, bias omitted if the projection has none
   */
  static NDArray linear(Block block, String name, NDArray x) {
    var params = ParameterPaths.of(block);
    NDArray w = params.get(name + ".weight").getArray().toType(DataType.FLOAT64, false);
    NDArray y = x.matMul(w.transpose());
    var bias = params.get(name + ".bias");
    return bias == null ? y : y.add(bias.getArray().toType(DataType.FLOAT64, false));
  }

  /**
   * @param x {@code [B, N, C]}
   * @param heads heads
   * @return {@code [B, h, N, C/h]}
   */
  static NDArray heads(NDArray x, int heads) {
    Shape s = x.getShape();
    return x.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3);
  }

  /**
   * @param x {@code [B, h, N, d]}
   * @return {@code [B, N, h d]}
   */
  static NDArray merge(NDArray x) {
    Shape s = x.getShape();
    return x.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
  }

  /**
   * @param manager the manager
   * @param n tokens
   * @return {@code M[i, j] = 1} if {@code j <= i}, else 0, float64 {@code [N, N]}
   */
  static NDArray causalMask(NDManager manager, int n) {
    double[] m = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j <= i; j++) {
        m[i * n + j] = 1;
      }
    }
    return manager.create(m, new Shape(n, n));
  }

  /**
   * @param block an initialised block
   * @param x input
   * @return the block's inference output as float64
   */
  static NDArray run(Block block, NDArray x) {
    NDManager manager = x.getManager();
    return block
        .forward(new ParameterStore(manager, false), new NDList(x), false)
        .head()
        .toType(DataType.FLOAT64, false);
  }

  /**
   * @param a an array
   * @param b an array of the same shape
   * @return max abs difference
   */
  static double maxAbs(NDArray a, NDArray b) {
    return a.toType(DataType.FLOAT64, false)
        .sub(b.toType(DataType.FLOAT64, false))
        .abs()
        .max()
        .getDouble();
  }
}
