package org.attnzoo.nn;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.attnzoo.export.OnnxGraph;

/**
 * Runs, shape-infers, initialises and exports blocks one after another, for blocks that hold a
 * chain of children under their own names ({@code stem, stages.0, ..} of a backbone, {@code
 * downsample, blocks.0, ..} of a stage) and so cannot wrap them in a {@link NamedSequential}
 * without changing the parameter paths. A {@code null} entry stands for an absent optional child
 * (such as the first stage's downsampling) and is skipped.
 */
public final class Sequences {

  private Sequences() {}

  /**
   * @param first the first block, e.g. a stem or an optional downsampling ({@code null} if absent)
   * @param rest the blocks after it
   * @return the chain, unmodifiable
   */
  public static List<Block> chain(Block first, List<? extends Block> rest) {
    List<Block> chain = new ArrayList<>(rest.size() + 1);
    chain.add(first);
    chain.addAll(rest);
    return Collections.unmodifiableList(chain);
  }

  /**
   * @param ps the parameter store
   * @param inputs the first block's input
   * @param training whether in training mode
   * @param blocks the chain
   * @return the last block's output
   */
  public static NDList forward(
      ParameterStore ps, NDList inputs, boolean training, Iterable<? extends Block> blocks) {
    NDList x = inputs;
    for (Block block : blocks) {
      if (block != null) {
        x = block.forward(ps, x, training);
      }
    }
    return x;
  }

  /**
   * @param inputShapes the first block's input shapes
   * @param blocks the chain
   * @return the last block's output shapes
   */
  public static Shape[] outputShapes(Shape[] inputShapes, Iterable<? extends Block> blocks) {
    Shape[] shapes = inputShapes;
    for (Block block : blocks) {
      if (block != null) {
        shapes = block.getOutputShapes(shapes);
      }
    }
    return shapes;
  }

  /**
   * Initialises each block with the output shapes of the one before it.
   *
   * @param manager where the parameters live
   * @param dataType their data type
   * @param inputShapes the first block's input shapes
   * @param blocks the chain
   * @return the last block's output shapes
   */
  public static Shape[] initialize(
      NDManager manager, DataType dataType, Shape[] inputShapes, Iterable<? extends Block> blocks) {
    Shape[] shapes = inputShapes;
    for (Block block : blocks) {
      if (block != null) {
        block.initialize(manager, dataType, shapes);
        shapes = block.getOutputShapes(shapes);
      }
    }
    return shapes;
  }

  /**
   * @param g the graph
   * @param inputs the first block's inputs
   * @param blocks the chain, each exportable by {@link OnnxGraph#block}
   * @return the last block's outputs
   */
  public static String[] toOnnx(OnnxGraph g, String[] inputs, Iterable<? extends Block> blocks) {
    String[] x = inputs;
    for (Block block : blocks) {
      if (block != null) {
        x = g.block(block, x);
      }
    }
    return x;
  }
}
