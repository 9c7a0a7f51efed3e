package org.attnzoo.backbones.edgenext;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import org.attnzoo.nn.Checks;
import org.attnzoo.nn.DropPath;
import org.attnzoo.nn.LayerNorm;
import org.attnzoo.nn.Mlp;

/**
 * EdgeNeXt's convolution encoder, timm's {@code ConvBlock} (ConvNeXt-style): a depth-wise {@code k
 * x k} convolution {@code conv_dw}, then per pixel LayerNorm {@code norm}, the inverted-bottleneck
 * {@code mlp} and the layer scale {@code gamma}, added to the input. Input and output {@code [B, C,
 * H, W]}.
 */
public class ConvEncoder extends AbstractBlock {

  private static final float NORM_EPS = 1e-6f;

  private final long dim;
  private final Conv2d convDw;
  private final LayerNorm norm;
  private final Mlp mlp;
  private final Parameter gamma;
  private final DropPath dropPath;

  /**
   * @param dim channels
   * @param kernelSize side of the depth-wise kernel (odd)
   * @param expandRatio hidden width of the MLP relative to {@code dim}
   * @param layerScaleInit initial layer scale, or {@code null} for none
   * @param dropPath stochastic-depth rate
   */
  public ConvEncoder(
      long dim, int kernelSize, double expandRatio, Float layerScaleInit, float dropPath) {
    Checks.positive("ConvEncoder dim", dim);
    Checks.positive("ConvEncoder kernelSize", kernelSize);
    this.dim = dim;
    convDw = addChildBlock("conv_dw", depthwise(dim, kernelSize));
    norm = addChildBlock("norm", LayerNorm.of(dim, NORM_EPS));
    mlp = addChildBlock("mlp", Mlp.of(dim, expandRatio));
    gamma = layerScaleInit == null ? null : addParameter(layerScale("gamma", dim, layerScaleInit));
    this.dropPath = addChildBlock("drop_path", new DropPath(dropPath));
  }

  /** A depth-wise convolution with timm's symmetric padding {@code (k - 1) / 2}. */
  static Conv2d depthwise(long channels, int kernelSize) {
    int pad = (kernelSize - 1) / 2;
    return Conv2d.builder()
        .setKernelShape(new Shape(kernelSize, kernelSize))
        .optPadding(new Shape(pad, pad))
        .optGroups((int) channels)
        .setFilters((int) channels)
        .build();
  }

  /** A per-channel layer scale vector (CaiT), typed OTHER to keep its constant initializer. */
  static Parameter layerScale(String name, long dim, float init) {
    return Parameter.builder()
        .setName(name)
        .setType(Parameter.Type.OTHER)
        .optShape(new Shape(dim))
        .optInitializer(new ConstantInitializer(init))
        .build();
  }

  static void checkMap(String block, Shape in, long dim) {
    Checks.rank(block, in, 4, "[B, C, H, W]");
    Checks.size(block, in, 1, dim, "channels");
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    checkMap("ConvEncoder", x.getShape(), dim);
    NDArray y = convDw.forward(ps, inputs, training).singletonOrThrow().transpose(0, 2, 3, 1);
    y = norm.forward(ps, new NDList(y), training).singletonOrThrow();
    y = mlp.forward(ps, new NDList(y), training).singletonOrThrow();
    if (gamma != null) {
      y = y.mul(ps.getValue(gamma, x.getDevice(), training));
    }
    y = dropPath.forward(ps, new NDList(y.transpose(0, 3, 1, 2)), training).singletonOrThrow();
    return new NDList(x.add(y));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    checkMap("ConvEncoder", inputShapes[0], dim);
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    checkMap("ConvEncoder", shapes[0], dim);
    Shape s = shapes[0];
    convDw.initialize(manager, dataType, s);
    Shape channelsLast = new Shape(s.get(0), s.get(2), s.get(3), dim);
    norm.initialize(manager, dataType, channelsLast);
    mlp.initialize(manager, dataType, channelsLast);
    dropPath.initialize(manager, dataType, s);
  }
}
