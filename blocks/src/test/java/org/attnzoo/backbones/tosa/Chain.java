package org.attnzoo.backbones.tosa;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** Test helper: layers chained as in VisionTransformer, each fed the previous one's outputs. */
final class Chain extends AbstractBlock {

  Chain(Block... layers) {
    for (int i = 0; i < layers.length; i++) {
      addChildBlock("blocks." + i, layers[i]);
    }
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDList h = inputs;
    for (Block b : getChildren().values()) {
      h = b.forward(ps, h, training);
    }
    return h;
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape[] s = inputShapes;
    for (Block b : getChildren().values()) {
      s = b.getOutputShapes(s);
    }
    return s;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    Shape[] s = shapes;
    for (Block b : getChildren().values()) {
      b.initialize(manager, dataType, s);
      s = b.getOutputShapes(s);
    }
  }
}
