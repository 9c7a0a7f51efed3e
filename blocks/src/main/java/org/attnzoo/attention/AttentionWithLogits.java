package org.attnzoo.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;

/**
 * An attention block that can also hand out its unnormalised attention maps, the per-head logits
 * {@code q k^T / sqrt(d)} that enter the softmax. Token-selection methods read them (ToSA's token
 * selector predicts the next layer's attention from them); mechanisms without explicit N x N maps
 * do not implement this.
 */
public interface AttentionWithLogits {

  /**
   * Runs the block and returns its attention logits alongside the output.
   *
   * @param ps the parameter store
   * @param x tokens {@code [B, N, C]}
   * @param training whether in training mode
   * @return the output {@code [B, N, C]} and the logits {@code [B, heads, N, N]}
   */
  NDList forwardWithLogits(ParameterStore ps, NDArray x, boolean training);
}
