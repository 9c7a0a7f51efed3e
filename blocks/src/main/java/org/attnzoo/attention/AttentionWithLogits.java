package org.attnzoo.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import org.attnzoo.export.OnnxGraph;

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

  /**
   * The ONNX counterpart of {@link #forwardWithLogits}: writes the block into the graph and also
   * returns the value holding its attention logits.
   *
   * @param g the graph under construction
   * @param x name of the tokens {@code [B, N, C]}
   * @return names of the output {@code [B, N, C]} and of the logits {@code [B, heads, N, N]}
   */
  String[] toOnnxWithLogits(OnnxGraph g, String x);
}
