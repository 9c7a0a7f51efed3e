package org.attnzoo.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnzoo.export.OnnxGraph;

/**
 * Layer normalisation of each pixel over its channels for a channels-first map {@code [B, C, H,
 * W]}, as timm's {@code LayerNorm2d} and the official ConvNeXt/Conv2Former {@code
 * LayerNorm(data_format="channels_first")}: {@code (x - mean_C) / sqrt(var_C + eps) * weight +
 * bias} with the biased variance; parameters {@code weight} and {@code bias} of size C.
 */
public class LayerNorm2d extends AbstractLayerNorm {

  private final boolean contiguousOutput;

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
    super("LayerNorm2d channels", channels, eps);
    this.contiguousOutput = contiguousOutput;
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
    if (contiguousOutput) {
      NDArray centered = x.sub(x.mean(new int[] {1}, true));
      NDArray var = centered.square().mean(new int[] {1}, true);
      NDArray normed = centered.div(var.add(eps).sqrt());
      NDArray w = ps.getValue(weight, x.getDevice(), training).reshape(1, channels, 1, 1);
      NDArray b = ps.getValue(bias, x.getDevice(), training).reshape(1, channels, 1, 1);
      return new NDList(
          channelsFirst(normed.mul(Scopes.withInput(w, x)).add(Scopes.withInput(b, x))));
    }
    NDArray y = normalizeLastAxis(ps, x.transpose(0, 2, 3, 1), training);
    return new NDList(channelsFirst(y.transpose(0, 3, 1, 2)));
  }

  /**
   * Gives {@code y} contiguous channels-first strides: the transposed layer norm leaves
   * channels-last strides (and the elementwise form keeps those of a channels-last input), and
   * libtorch 2.7.1's oneDNN convolution miscomputes some channels-last inputs even at AVX2 (e.g.
   * EdgeNeXt's 2x2 stride-2 downsampling of an 88 x 18 x 18 map: max error 2.5; see {@code
   * LayerNorm2dTest}). A convolution follows every LayerNorm2d in the backbones. Flattening copies
   * only when the strides are not already contiguous.
   */
  private static NDArray channelsFirst(NDArray y) {
    return y.reshape(-1).reshape(y.getShape());
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
    x = onnxNormalizeLastAxis(g, x);
    return new String[] {
      g.op("Transpose", new String[] {x}, OnnxGraph.Attr.ints("perm", 0, 3, 1, 2))
    };
  }
}
