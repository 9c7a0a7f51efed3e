package org.attnzoo.nn;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Blocks applied one after another, each under a name the caller chooses: the counterpart of {@code
 * torch.nn.Sequential}, whose children are named {@code 0, 1, ...} (or by an {@code OrderedDict}).
 * DJL's {@code SequentialBlock} names children after their class, which would not give the
 * reference's state-dict keys.
 */
public class NamedSequential extends AbstractBlock {

  /** An empty sequence; add children with {@link #add}. */
  public NamedSequential() {}

  /**
   * Appends a block.
   *
   * @param name its name, e.g. {@code "0"} as in a PyTorch {@code Sequential}
   * @param block the block
   * @return this
   */
  public NamedSequential add(String name, Block block) {
    addChildBlock(name, block);
    return this;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDList x = inputs;
    for (Block child : getChildren().values()) {
      x = child.forward(ps, x, training);
    }
    return x;
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape[] shapes = inputShapes;
    for (Block child : getChildren().values()) {
      shapes = child.getOutputShapes(shapes);
    }
    return shapes;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    Shape[] current = shapes;
    for (Block child : getChildren().values()) {
      child.initialize(manager, dataType, current);
      current = child.getOutputShapes(current);
    }
  }
}
