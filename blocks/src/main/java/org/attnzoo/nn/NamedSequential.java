package org.attnzoo.nn;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;

/**
 * Blocks applied one after another, each under a name the caller chooses: the counterpart of {@code
 * torch.nn.Sequential}, whose children are named {@code 0, 1, ...} (or by an {@code OrderedDict}).
 * DJL's {@code SequentialBlock} names children after their class, which would not give the
 * reference's state-dict keys.
 */
public class NamedSequential extends AbstractBlock implements OnnxExportable {

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
    return Sequences.forward(ps, inputs, training, getChildren().values());
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return Sequences.outputShapes(inputShapes, getChildren().values());
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    Sequences.initialize(manager, dataType, shapes, getChildren().values());
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    return Sequences.toOnnx(g, inputs, getChildren().values());
  }
}
