package org.attnzoo.backbones.swiftformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import org.attnzoo.nn.Checks;

/**
 * Per-channel scale of a channels-first residual branch, timm's SwiftFormer {@code LayerScale2d}:
 * {@code x * gamma} with {@code gamma} of shape {@code [C, 1, 1]} (timm's shape, so checkpoints
 * load unchanged).
 */
public class LayerScale2d extends AbstractBlock {

  private final long dim;
  private final Parameter gamma;

  /**
   * @param dim channels C
   * @param initValue initial value of every entry
   */
  public LayerScale2d(long dim, float initValue) {
    Checks.positive("LayerScale2d dim", dim);
    this.dim = dim;
    gamma =
        addParameter(
            Parameter.builder()
                .setName("gamma")
                .setType(Parameter.Type.OTHER)
                .optShape(new Shape(dim, 1, 1))
                .optInitializer(new ConstantInitializer(initValue))
                .build());
  }

  private void check(Shape in) {
    Checks.rank("LayerScale2d", in, 4, "[B, C, H, W]");
    Checks.size("LayerScale2d", in, 1, dim, "channels");
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    check(x.getShape());
    return new NDList(x.mul(ps.getValue(gamma, x.getDevice(), training)));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
    return inputShapes;
  }
}
