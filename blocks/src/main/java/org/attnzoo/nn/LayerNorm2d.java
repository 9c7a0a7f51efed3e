package org.attnzoo.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;

/**
 * Layer normalisation of each pixel over its channels for a channels-first map {@code [B, C, H,
 * W]}, as timm's {@code LayerNorm2d}; parameters {@code weight} and {@code bias} of size C.
 */
public class LayerNorm2d extends AbstractBlock {

  private final long channels;
  private final float eps;
  private final Parameter weight;
  private final Parameter bias;

  /**
   * @param channels C
   * @param eps variance epsilon (timm's convnets use 1e-6)
   */
  public LayerNorm2d(long channels, float eps) {
    Checks.positive("LayerNorm2d channels", channels);
    this.channels = channels;
    this.eps = eps;
    weight =
        addParameter(
            Parameter.builder()
                .setName("weight")
                .setType(Parameter.Type.GAMMA)
                .optShape(new Shape(channels))
                .optInitializer(Initializer.ONES)
                .build());
    bias =
        addParameter(
            Parameter.builder()
                .setName("bias")
                .setType(Parameter.Type.BETA)
                .optShape(new Shape(channels))
                .optInitializer(Initializer.ZEROS)
                .build());
  }

  private void check(Shape in) {
    Checks.rank("LayerNorm2d", in, 4, "[B, C, H, W]");
    Checks.size("LayerNorm2d", in, 1, channels, "channels");
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    check(x.getShape());
    NDArray y =
        ai.djl.nn.norm.LayerNorm.layerNorm(
                x.transpose(0, 2, 3, 1),
                new Shape(channels),
                ps.getValue(weight, x.getDevice(), training),
                ps.getValue(bias, x.getDevice(), training),
                eps)
            .singletonOrThrow();
    return new NDList(y.transpose(0, 3, 1, 2));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
    return new Shape[] {inputShapes[0]};
  }
}
