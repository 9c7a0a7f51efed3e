package org.attnzoo.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;

/**
 * What {@link LayerNorm} and {@link LayerNorm2d} share: the per-channel {@code weight} (ones) and
 * {@code bias} (zeros), named as PyTorch's so that checkpoint keys map one to one, the variance
 * eps, and the layer norm over a channels-last axis in the engine and in ONNX.
 */
abstract class AbstractLayerNorm extends AbstractBlock implements OnnxExportable {

  final long channels;
  final float eps;
  final Parameter weight;
  final Parameter bias;

  /**
   * @param sizeLabel how validation messages name {@code channels}
   * @param channels the size of the normalised axis
   * @param eps the variance epsilon
   */
  AbstractLayerNorm(String sizeLabel, long channels, float eps) {
    Checks.positive(sizeLabel, channels);
    this.channels = channels;
    this.eps = eps;
    weight = addParameter(param("weight", Parameter.Type.GAMMA, Initializer.ONES));
    bias = addParameter(param("bias", Parameter.Type.BETA, Initializer.ZEROS));
  }

  private Parameter param(String name, Parameter.Type type, Initializer initializer) {
    return Parameter.builder()
        .setName(name)
        .setType(type)
        .optShape(new Shape(channels))
        .optInitializer(initializer)
        .build();
  }

  /**
   * @return the eps added to the variance
   */
  public float getEps() {
    return eps;
  }

  /**
   * @return the engine's layer norm of {@code x} over its last axis, of size {@code channels}
   */
  NDArray normalizeLastAxis(ParameterStore ps, NDArray x, boolean training) {
    return ai.djl.nn.norm.LayerNorm.layerNorm(
            x,
            new Shape(channels),
            ps.getValue(weight, x.getDevice(), training),
            ps.getValue(bias, x.getDevice(), training),
            eps)
        .singletonOrThrow();
  }

  /**
   * @return ONNX's {@code LayerNormalization} of {@code x} over its last axis
   */
  String onnxNormalizeLastAxis(OnnxGraph g, String x) {
    return g.op(
        "LayerNormalization",
        new String[] {x, g.param(weight), g.param(bias)},
        OnnxGraph.Attr.of("axis", -1L),
        OnnxGraph.Attr.of("epsilon", eps));
  }
}
