package org.attnzoo.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.Checks;
import org.attnzoo.nn.Convs;
import org.attnzoo.nn.LayerNorm2d;

/**
 * Convolutional modulation (Conv2Former, Hou et al., 2022), as the official {@code
 * SpatialAttention} of HVision-NKU/Conv2Former on {@code [B, C, H, W]}: {@code x = norm(x)}, {@code
 * a = dwconv_kxk(gelu(conv1x1(x)))}, {@code v = conv1x1(x)}, {@code out = proj(a * v)}.
 *
 * <p>The large-kernel depth-wise convolution's output takes the place of the attention matrix: each
 * pixel's value is modulated (the paper's {@code Z = A (Hadamard) V}) by a weight aggregated from
 * its k x k neighbourhood, so the cost is linear in the number of pixels. The children keep the
 * official names {@code norm, att.0, att.2, v, proj} (the GELU is {@code att.1}).
 */
public class ConvModulation extends AbstractBlock implements OnnxExportable {

  private final long dim;
  private final LayerNorm2d norm;
  private final Conv2d att0;
  private final Conv2d att2;
  private final Conv2d v;
  private final Conv2d proj;

  /**
   * @param dim input and output channels
   * @param kernelSize side of the depth-wise kernel (odd; 7 or 11 in the paper)
   */
  public ConvModulation(long dim, int kernelSize) {
    Checks.positive("ConvModulation dim", dim);
    if (kernelSize <= 0 || kernelSize % 2 == 0) {
      throw new IllegalArgumentException(
          "ConvModulation kernelSize must be odd and positive, got " + kernelSize);
    }
    this.dim = dim;
    norm = addChildBlock("norm", LayerNorm2d.withContiguousOutput(dim, 1e-6f));
    att0 = addChildBlock("att.0", conv(dim, 1, 1));
    att2 = addChildBlock("att.2", conv(dim, kernelSize, (int) dim));
    v = addChildBlock("v", conv(dim, 1, 1));
    proj = addChildBlock("proj", conv(dim, 1, 1));
  }

  private static Conv2d conv(long channels, int kernel, int groups) {
    return Convs.samePadded(channels, kernel, groups).build();
  }

  private void check(Shape in) {
    Checks.rank("ConvModulation", in, 4, "[B, C, H, W]");
    Checks.size("ConvModulation", in, 1, dim, "channels");
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    check(inputs.singletonOrThrow().getShape());
    NDList x = norm.forward(ps, inputs, training);
    NDArray a = Activation.gelu(att0.forward(ps, x, training).singletonOrThrow());
    a = att2.forward(ps, new NDList(a), training).singletonOrThrow();
    NDArray modulated = a.mul(v.forward(ps, x, training).singletonOrThrow());
    return proj.forward(ps, new NDList(modulated), training);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
    return inputShapes;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes[0]);
    for (var child : getChildren().values()) {
      child.initialize(manager, dataType, shapes);
    }
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    String x = g.apply(norm, inputs[0]);
    String a = g.apply(att2, g.gelu(g.apply(att0, x)));
    return new String[] {g.apply(proj, g.op("Mul", a, g.apply(v, x)))};
  }
}
