package org.attnzoo.training.recipe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import java.util.Collection;

/** Gradient utilities of the recipe. */
public final class Gradients {

  private Gradients() {}

  /**
   * Global-norm clipping as PyTorch's {@code clip_grad_norm_}: the L2 norm over all gradients
   * together; if it exceeds {@code maxNorm}, every gradient is scaled by {@code maxNorm / (norm +
   * 1e-6)}.
   *
   * @param grads the gradients, scaled in place
   * @param maxNorm the bound; 0 or less only measures
   * @return the norm before clipping
   */
  public static double clipGlobalNorm(Collection<NDArray> grads, double maxNorm) {
    NDList squares = new NDList();
    for (NDArray g : grads) {
      squares.add(g.square().sum());
    }
    double norm;
    try (NDArray stacked = NDArrays.stack(squares)) {
      try (NDArray total = stacked.sum()) {
        norm = Math.sqrt(total.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble());
      }
    } finally {
      squares.close();
    }
    if (maxNorm > 0 && norm > maxNorm) {
      double scale = maxNorm / (norm + 1e-6);
      for (NDArray g : grads) {
        g.muli(scale);
      }
    }
    return norm;
  }
}
