package org.attnzoo.backbones.swiftformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnzoo.nn.BatchNorm;

/**
 * SwiftFormer's feed-forward network on a channels-first map, timm's SwiftFormer {@code Mlp}:
 * BatchNorm {@code norm1}, 1x1 convolution {@code fc1}, GELU, dropout, 1x1 convolution {@code fc2},
 * dropout. Input and output {@code [B, C, H, W]}.
 */
public class ConvMlp extends AbstractBlock {

  private final long dim;
  private final BatchNorm norm1;
  private final Conv2d fc1;
  private final Dropout drop;
  private final Conv2d fc2;

  /**
   * @param dim channels C
   * @param hiddenDim hidden channels
   * @param dropRate dropout after the activation and after fc2
   */
  public ConvMlp(long dim, long hiddenDim, float dropRate) {
    this.dim = dim;
    norm1 = addChildBlock("norm1", BatchNorm.of(dim));
    fc1 = addChildBlock("fc1", ConvEncoder.pointwise(hiddenDim));
    drop = addChildBlock("drop", Dropout.builder().optRate(dropRate).build());
    fc2 = addChildBlock("fc2", ConvEncoder.pointwise(dim));
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    ConvEncoder.checkMap("ConvMlp", inputs.singletonOrThrow().getShape(), dim);
    NDList x = fc1.forward(ps, norm1.forward(ps, inputs, training), training);
    NDArray hidden = Activation.gelu(x.singletonOrThrow());
    x = fc2.forward(ps, drop.forward(ps, new NDList(hidden), training), training);
    return drop.forward(ps, x, training);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    ConvEncoder.checkMap("ConvMlp", inputShapes[0], dim);
    return inputShapes;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    ConvEncoder.checkMap("ConvMlp", shapes[0], dim);
    norm1.initialize(manager, dataType, shapes);
    fc1.initialize(manager, dataType, shapes);
    Shape[] hidden = fc1.getOutputShapes(shapes);
    drop.initialize(manager, dataType, hidden);
    fc2.initialize(manager, dataType, hidden);
  }
}
