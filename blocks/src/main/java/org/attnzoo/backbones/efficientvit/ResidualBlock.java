package org.attnzoo.backbones.efficientvit;

import ai.djl.ndarray.NDArray;
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
 * timm's {@code efficientvit_mit.ResidualBlock}: {@code main(x) + x} with an identity shortcut, or
 * just {@code main(x)} without one (the downsampling block that opens each stage keeps the wrapper,
 * and so the {@code main.} key prefix, without a shortcut).
 */
public class ResidualBlock extends AbstractBlock implements OnnxExportable {

  private final Block main;
  private final boolean shortcut;

  /**
   * @param main the residual branch (child {@code main})
   * @param shortcut whether to add the input to the branch's output
   */
  public ResidualBlock(Block main, boolean shortcut) {
    this.main = addChildBlock("main", main);
    this.shortcut = shortcut;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray y = main.forward(ps, inputs, training).singletonOrThrow();
    return new NDList(shortcut ? y.add(inputs.singletonOrThrow()) : y);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape[] out = main.getOutputShapes(inputShapes);
    if (shortcut && !out[0].equals(inputShapes[0])) {
      throw new IllegalArgumentException(
          "ResidualBlock with an identity shortcut needs main to keep the shape, got "
              + inputShapes[0]
              + " -> "
              + out[0]);
    }
    return out;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    main.initialize(manager, dataType, shapes);
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    String y = g.apply(main, inputs[0]);
    return new String[] {shortcut ? g.op("Add", y, inputs[0]) : y};
  }
}
