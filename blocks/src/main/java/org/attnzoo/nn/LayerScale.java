package org.attnzoo.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;

/**
 * Per-channel learnable scale of a residual branch (CaiT, Touvron et al., 2021): {@code x * gamma}
 * over the last axis, with {@code gamma} initialised to a small constant; or, with {@link
 * #channelsFirst}, over axis 1 of a {@code [B, C, H, W]} map.
 */
public class LayerScale extends AbstractBlock implements OnnxExportable {

  private final long dim;
  private final boolean channelsFirst;
  private final Parameter gamma;

  /**
   * @param dim the number of channels (last axis)
   * @param initValue the initial value of every entry of gamma
   */
  public LayerScale(long dim, float initValue) {
    this(dim, initValue, false);
  }

  private LayerScale(long dim, float initValue, boolean channelsFirst) {
    Checks.positive(channelsFirst ? "LayerScale2d dim" : "LayerScale dim", dim);
    this.dim = dim;
    this.channelsFirst = channelsFirst;
    // Typed OTHER so that a model-wide initializer does not overwrite the constant.
    gamma =
        addParameter(
            Parameter.builder()
                .setName("gamma")
                .setType(Parameter.Type.OTHER)
                .optShape(channelsFirst ? new Shape(dim, 1, 1) : new Shape(dim))
                .optInitializer(new ConstantInitializer(initValue))
                .build());
  }

  /**
   * The scale of a channels-first residual branch, as timm's SwiftFormer {@code LayerScale2d}:
   * {@code gamma} has timm's shape {@code [C, 1, 1]}, so checkpoints load unchanged, and broadcasts
   * over H and W.
   *
   * @param dim channels C (axis 1)
   * @param initValue the initial value of every entry of gamma
   * @return the block
   */
  public static LayerScale channelsFirst(long dim, float initValue) {
    return new LayerScale(dim, initValue, true);
  }

  private void check(Shape in) {
    if (channelsFirst) {
      Checks.rank("LayerScale2d", in, 4, "[B, C, H, W]");
      Checks.size("LayerScale2d", in, 1, dim, "channels");
    } else {
      Checks.size("LayerScale", in, -1, dim, "channels");
    }
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

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    return new String[] {g.op("Mul", inputs[0], g.param(gamma))};
  }
}
