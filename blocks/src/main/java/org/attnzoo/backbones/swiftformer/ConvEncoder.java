package org.attnzoo.backbones.swiftformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.BatchNorm;
import org.attnzoo.nn.Checks;
import org.attnzoo.nn.DropPath;
import org.attnzoo.nn.LayerScale;

/**
 * SwiftFormer's convolution encoder, timm's {@code ConvEncoder}: depth-wise 3x3 {@code dwconv},
 * BatchNorm {@code norm}, point-wise {@code pwconv1} to the hidden width, GELU, point-wise {@code
 * pwconv2} back, layer scale {@code layer_scale}, added to the input. With hidden width equal to C
 * it is also timm's {@code LocalRepresentation}, the first part of a SwiftFormer encoder (same
 * layers, same names). Input and output {@code [B, C, H, W]}.
 */
public class ConvEncoder extends AbstractBlock implements OnnxExportable {

  private final long dim;
  private final Conv2d dwconv;
  private final BatchNorm norm;
  private final Conv2d pwconv1;
  private final Conv2d pwconv2;
  private final LayerScale layerScale;
  private final DropPath dropPath;

  /**
   * @param dim channels C
   * @param hiddenDim width between the point-wise convolutions
   * @param kernelSize side of the depth-wise kernel (odd)
   * @param dropPath stochastic-depth rate
   * @param useLayerScale whether to scale the branch (initialised to 1, as timm)
   */
  public ConvEncoder(
      long dim, long hiddenDim, int kernelSize, float dropPath, boolean useLayerScale) {
    Checks.positive("ConvEncoder dim", dim);
    Checks.positive("ConvEncoder hiddenDim", hiddenDim);
    if (kernelSize < 1 || kernelSize % 2 == 0) {
      throw new IllegalArgumentException(
          "ConvEncoder kernelSize must be odd and positive, got " + kernelSize);
    }
    this.dim = dim;
    int pad = kernelSize / 2;
    dwconv =
        addChildBlock(
            "dwconv",
            Conv2d.builder()
                .setKernelShape(new Shape(kernelSize, kernelSize))
                .optPadding(new Shape(pad, pad))
                .optGroups((int) dim)
                .setFilters((int) dim)
                .build());
    norm = addChildBlock("norm", BatchNorm.of(dim));
    pwconv1 = addChildBlock("pwconv1", pointwise(hiddenDim));
    pwconv2 = addChildBlock("pwconv2", pointwise(dim));
    layerScale =
        useLayerScale ? addChildBlock("layer_scale", LayerScale.channelsFirst(dim, 1f)) : null;
    this.dropPath = addChildBlock("drop_path", new DropPath(dropPath));
  }

  static Conv2d pointwise(long filters) {
    return Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters((int) filters).build();
  }

  static void checkMap(String block, Shape in, long dim) {
    Checks.rank(block, in, 4, "[B, C, H, W]");
    Checks.size(block, in, 1, dim, "channels");
  }

  private static NDArray apply(Block b, ParameterStore ps, NDArray x, boolean training) {
    return b.forward(ps, new NDList(x), training).singletonOrThrow();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    checkMap("ConvEncoder", x.getShape(), dim);
    NDArray y = apply(norm, ps, apply(dwconv, ps, x, training), training);
    y = apply(pwconv2, ps, Activation.gelu(apply(pwconv1, ps, y, training)), training);
    if (layerScale != null) {
      y = apply(layerScale, ps, y, training);
    }
    return new NDList(x.add(apply(dropPath, ps, y, training)));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    checkMap("ConvEncoder", inputShapes[0], dim);
    return inputShapes;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    checkMap("ConvEncoder", shapes[0], dim);
    Shape s = shapes[0];
    dwconv.initialize(manager, dataType, s);
    norm.initialize(manager, dataType, s);
    pwconv1.initialize(manager, dataType, s);
    pwconv2.initialize(manager, dataType, pwconv1.getOutputShapes(shapes));
    if (layerScale != null) {
      layerScale.initialize(manager, dataType, s);
    }
    dropPath.initialize(manager, dataType, s);
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    String y = g.apply(norm, g.apply(dwconv, inputs[0]));
    y = g.apply(pwconv2, g.gelu(g.apply(pwconv1, y)));
    y = g.apply(layerScale, y);
    return new String[] {g.op("Add", inputs[0], g.apply(dropPath, y))};
  }
}
