package org.attnzoo.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnzoo.export.OnnxGraph;

/**
 * Layer normalisation over the last axis, as {@code torch.nn.LayerNorm(dim)}.
 *
 * <p>DJL's own {@code LayerNorm} normalises over every non-batch axis by default and uses eps 1e-5;
 * vision transformers normalise each token over its channels with eps 1e-6 (timm). The parameters
 * are named {@code weight} and {@code bias} as in PyTorch so that checkpoint keys map one to one.
 */
public class LayerNorm extends AbstractLayerNorm {

  LayerNorm(long dim, float eps) {
    super("LayerNorm dim", dim, eps);
  }

  /**
   * A LayerNorm over {@code dim} channels with timm's eps of 1e-6.
   *
   * @param dim the size of the last axis
   * @return the block
   */
  public static LayerNorm of(long dim) {
    return new LayerNorm(dim, 1e-6f);
  }

  /**
   * A LayerNorm over {@code dim} channels with the given eps.
   *
   * @param dim the size of the last axis
   * @param eps the variance epsilon
   * @return the block
   */
  public static LayerNorm of(long dim, float eps) {
    return new LayerNorm(dim, eps);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    Checks.size("LayerNorm", x.getShape(), -1, channels, "channels");
    return new NDList(normalizeLastAxis(ps, x, training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Checks.size("LayerNorm", inputShapes[0], -1, channels, "channels");
    return new Shape[] {inputShapes[0]};
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    return new String[] {onnxNormalizeLastAxis(g, inputs[0])};
  }
}
