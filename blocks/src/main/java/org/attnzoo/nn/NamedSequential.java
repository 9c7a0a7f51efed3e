package org.attnzoo.nn;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Children applied one after another, each under a name of the caller's choice, as a PyTorch {@code
 * nn.Sequential} or a module whose {@code forward} chains its attributes. DJL's {@code
 * SequentialBlock} names its children after their classes; naming them after the reference's
 * attributes or indices ({@code "0"}, {@code "blocks.3"}) makes {@link ParameterPaths} yield the
 * reference's state-dict keys. Each child validates its own input.
 */
public class NamedSequential extends AbstractBlock {

  private final List<Block> sequence = new ArrayList<>();

  /**
   * Appends a child.
   *
   * @param name the child's name (the reference attribute or index)
   * @param block the child
   * @param <T> the child's type
   * @return the child
   */
  protected final <T extends Block> T add(String name, T block) {
    sequence.add(addChildBlock(name, block));
    return block;
  }

  /**
   * Builds a sequence from alternating names and blocks.
   *
   * @param namesAndBlocks {@code "name0", block0, "name1", block1, ...}
   * @return the sequence
   */
  public static NamedSequential of(Object... namesAndBlocks) {
    if (namesAndBlocks.length % 2 != 0) {
      throw new IllegalArgumentException(
          "NamedSequential.of expects name/block pairs, got " + namesAndBlocks.length + " values");
    }
    NamedSequential s = new NamedSequential();
    for (int i = 0; i < namesAndBlocks.length; i += 2) {
      s.add((String) namesAndBlocks[i], (Block) namesAndBlocks[i + 1]);
    }
    return s;
  }

  /**
   * @return the children in application order
   */
  public List<Block> sequence() {
    return Collections.unmodifiableList(sequence);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDList x = inputs;
    for (Block b : sequence) {
      x = b.forward(ps, x, training);
    }
    return x;
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape[] s = inputShapes;
    for (Block b : sequence) {
      s = b.getOutputShapes(s);
    }
    return s;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    Shape[] s = shapes;
    for (Block b : sequence) {
      b.initialize(manager, dataType, s);
      s = b.getOutputShapes(s);
    }
  }
}
