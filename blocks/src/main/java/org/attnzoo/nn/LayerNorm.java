package org.attnzoo.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;

/**
 * Layer normalisation over the last axis, as {@code torch.nn.LayerNorm(dim)}.
 *
 * <p>DJL's own {@code LayerNorm} normalises over every non-batch axis by default and uses eps 1e-5;
 * vision transformers normalise each token over its channels with eps 1e-6 (timm). The parameters
 * are named {@code weight} and {@code bias} as in PyTorch so that checkpoint keys map one to one.
 */
public class LayerNorm extends AbstractBlock implements OnnxExportable {

  private static final byte VERSION = 1;

  private final long dim;
  private final float eps;
  private final Parameter weight;
  private final Parameter bias;

  LayerNorm(long dim, float eps) {
    super(VERSION);
    Checks.positive("LayerNorm dim", dim);
    this.dim = dim;
    this.eps = eps;
    weight =
        addParameter(
            Parameter.builder()
                .setName("weight")
                .setType(Parameter.Type.GAMMA)
                .optShape(new Shape(dim))
                .optInitializer(Initializer.ONES)
                .build());
    bias =
        addParameter(
            Parameter.builder()
                .setName("bias")
                .setType(Parameter.Type.BETA)
                .optShape(new Shape(dim))
                .optInitializer(Initializer.ZEROS)
                .build());
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
    Checks.size("LayerNorm", x.getShape(), -1, dim, "channels");
    return ai.djl.nn.norm.LayerNorm.layerNorm(
        x,
        new Shape(dim),
        ps.getValue(weight, x.getDevice(), training),
        ps.getValue(bias, x.getDevice(), training),
        eps);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Checks.size("LayerNorm", inputShapes[0], -1, dim, "channels");
    return new Shape[] {inputShapes[0]};
  }

  /**
   * @return the eps added to the variance
   */
  public float getEps() {
    return eps;
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    return new String[] {
      g.op(
          "LayerNormalization",
          new String[] {inputs[0], g.param(weight), g.param(bias)},
          OnnxGraph.Attr.of("axis", -1L),
          OnnxGraph.Attr.of("epsilon", eps))
    };
  }
}
