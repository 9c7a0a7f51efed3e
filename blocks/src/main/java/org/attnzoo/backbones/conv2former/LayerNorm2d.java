package org.attnzoo.backbones.conv2former;

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
import org.attnzoo.nn.Checks;
import org.attnzoo.nn.Scopes;

/**
 * Layer normalisation of each pixel over the channel axis of {@code [B, C, H, W]}, as the official
 * Conv2Former (and ConvNeXt) {@code LayerNorm(data_format="channels_first")}: {@code (x - mean_C) /
 * sqrt(var_C + eps) * weight + bias} with the biased variance. Parameters {@code weight, bias}.
 */
public class LayerNorm2d extends AbstractBlock implements OnnxExportable {

  private final long channels;
  private final float eps;
  private final Parameter weight;
  private final Parameter bias;

  /**
   * @param channels size of axis 1
   * @param eps variance epsilon (the official code uses 1e-6)
   */
  public LayerNorm2d(long channels, float eps) {
    Checks.positive("LayerNorm2d channels", channels);
    this.channels = channels;
    this.eps = eps;
    weight = addParameter(param("weight", Parameter.Type.GAMMA, Initializer.ONES));
    bias = addParameter(param("bias", Parameter.Type.BETA, Initializer.ZEROS));
  }

  /**
   * @param channels size of axis 1
   * @return a LayerNorm2d with the official eps of 1e-6
   */
  public static LayerNorm2d of(long channels) {
    return new LayerNorm2d(channels, 1e-6f);
  }

  private Parameter param(String name, Parameter.Type type, Initializer init) {
    return Parameter.builder()
        .setName(name)
        .setType(type)
        .optShape(new Shape(channels))
        .optInitializer(init)
        .build();
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
    // Normalised along axis 1 without a channels-last transpose: libtorch 2.7.1's oneDNN AVX-512
    // fp32 convolution miscomputes channels-last-strided inputs on this project's CPUs (seen with
    // batch 2, 64 -> 1280 channels; the build now pins DNNL_MAX_CPU_ISA=AVX2), and a convolution
    // follows every LayerNorm2d here.
    NDArray centered = x.sub(x.mean(new int[] {1}, true));
    NDArray var = centered.square().mean(new int[] {1}, true);
    NDArray normed = centered.div(var.add(eps).sqrt());
    NDArray w =
        Scopes.withInput(
            ps.getValue(weight, x.getDevice(), training).reshape(1, channels, 1, 1), x);
    NDArray b =
        Scopes.withInput(ps.getValue(bias, x.getDevice(), training).reshape(1, channels, 1, 1), x);
    return new NDList(normed.mul(w).add(b));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
    return inputShapes;
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    // ONNX Runtime has no channels-last convolution issue: normalise channels-last with the native
    // LayerNormalization (biased variance, as here) between two transposes.
    String x = g.op("Transpose", new String[] {inputs[0]}, OnnxGraph.Attr.ints("perm", 0, 2, 3, 1));
    x =
        g.op(
            "LayerNormalization",
            new String[] {x, g.param(weight), g.param(bias)},
            OnnxGraph.Attr.of("axis", -1L),
            OnnxGraph.Attr.of("epsilon", eps));
    return new String[] {
      g.op("Transpose", new String[] {x}, OnnxGraph.Attr.ints("perm", 0, 3, 1, 2))
    };
  }
}
