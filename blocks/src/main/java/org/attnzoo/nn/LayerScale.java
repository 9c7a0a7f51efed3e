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
 * over the last axis, with {@code gamma} initialised to a small constant.
 */
public class LayerScale extends AbstractBlock implements OnnxExportable {

  private final long dim;
  private final Parameter gamma;

  /**
   * @param dim the number of channels (last axis)
   * @param initValue the initial value of every entry of gamma
   */
  public LayerScale(long dim, float initValue) {
    Checks.positive("LayerScale dim", dim);
    this.dim = dim;
    // Typed OTHER so that a model-wide initializer does not overwrite the constant.
    gamma =
        addParameter(
            Parameter.builder()
                .setName("gamma")
                .setType(Parameter.Type.OTHER)
                .optShape(new Shape(dim))
                .optInitializer(new ConstantInitializer(initValue))
                .build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    Checks.size("LayerScale", x.getShape(), -1, dim, "channels");
    return new NDList(x.mul(ps.getValue(gamma, x.getDevice(), training)));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Checks.size("LayerScale", inputShapes[0], -1, dim, "channels");
    return inputShapes;
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    return new String[] {g.op("Mul", inputs[0], g.param(gamma))};
  }
}
