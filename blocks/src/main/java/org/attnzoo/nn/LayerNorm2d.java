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
 * Layer normalisation of each pixel over its channels for a channels-first map {@code [B, C, H,
 * W]}, as timm's {@code LayerNorm2d} and the official ConvNeXt/Conv2Former {@code
 * LayerNorm(data_format="channels_first")}: {@code (x - mean_C) / sqrt(var_C + eps) * weight +
 * bias} with the biased variance; parameters {@code weight} and {@code bias} of size C.
 */
public class LayerNorm2d extends AbstractBlock implements OnnxExportable {

  private final long channels;
  private final float eps;
  private final boolean contiguousOutput;
  private final Parameter weight;
  private final Parameter bias;

  /**
   * A LayerNorm2d that runs the engine's last-axis layer norm between two transposes, so its output
   * has channels-last strides.
   *
   * @param channels C
   * @param eps variance epsilon (timm's convnets use 1e-6)
   */
  public LayerNorm2d(long channels, float eps) {
    this(channels, eps, false);
  }

  private LayerNorm2d(long channels, float eps, boolean contiguousOutput) {
    Checks.positive("LayerNorm2d channels", channels);
    this.channels = channels;
    this.eps = eps;
    this.contiguousOutput = contiguousOutput;
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

  /**
   * A LayerNorm2d that computes the statistics along axis 1 in place, so its output stays
   * contiguous channels-first. The values equal those of {@link #LayerNorm2d(long, float)} up to
   * float rounding.
   *
   * <p>libtorch 2.7.1's oneDNN AVX-512 fp32 convolution miscomputes inputs with channels-last
   * strides on this project's CPUs (seen in Conv2Former with batch 2, 64 -> 1280 channels; the
   * build now pins {@code DNNL_MAX_CPU_ISA=AVX2}); Conv2Former, where a convolution follows every
   * LayerNorm2d, was validated against the official code with this form.
   *
   * @param channels C
   * @param eps variance epsilon (the official Conv2Former uses 1e-6)
   * @return the block
   */
  public static LayerNorm2d withContiguousOutput(long channels, float eps) {
    return new LayerNorm2d(channels, eps, true);
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
    NDArray w = ps.getValue(weight, x.getDevice(), training);
    NDArray b = ps.getValue(bias, x.getDevice(), training);
    if (contiguousOutput) {
      NDArray centered = x.sub(x.mean(new int[] {1}, true));
      NDArray var = centered.square().mean(new int[] {1}, true);
      NDArray normed = centered.div(var.add(eps).sqrt());
      return new NDList(
          normed
              .mul(Scopes.withInput(w.reshape(1, channels, 1, 1), x))
              .add(Scopes.withInput(b.reshape(1, channels, 1, 1), x)));
    }
    NDArray y =
        ai.djl.nn.norm.LayerNorm.layerNorm(x.transpose(0, 2, 3, 1), new Shape(channels), w, b, eps)
            .singletonOrThrow();
    return new NDList(y.transpose(0, 3, 1, 2));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
    return new Shape[] {inputShapes[0]};
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    // ONNX Runtime has no channels-last convolution issue: both forms export as the native
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
