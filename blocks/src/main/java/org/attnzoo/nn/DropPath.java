package org.attnzoo.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;

/**
 * Stochastic depth (Huang et al., 2016): in training, drops a residual branch for a whole sample
 * with probability {@code rate} and scales the kept samples by {@code 1 / (1 - rate)}; at inference
 * it is the identity. DJL has no such block.
 */
public class DropPath extends AbstractBlock implements OnnxExportable {

  private final float rate;

  /**
   * @param rate probability of dropping the branch for a sample, in [0, 1)
   */
  public DropPath(float rate) {
    Checks.probability("DropPath rate", rate);
    this.rate = rate;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    if (!training || rate == 0f) {
      return inputs;
    }
    float keep = 1f - rate;
    long[] maskShape = new long[x.getShape().dimension()];
    java.util.Arrays.fill(maskShape, 1);
    maskShape[0] = x.getShape().get(0);
    // One Bernoulli draw per sample, broadcast over the other axes.
    NDArray mask =
        x.getManager()
            .randomUniform(0f, 1f, new Shape(maskShape), x.getDataType(), x.getDevice())
            .lt(keep)
            .toType(x.getDataType(), false)
            .div(keep);
    return new NDList(x.mul(mask));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inputShapes;
  }

  /**
   * @return the drop probability
   */
  public float getRate() {
    return rate;
  }

  /** The exported graph is for inference, where stochastic depth is the identity. */
  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    return inputs;
  }
}
