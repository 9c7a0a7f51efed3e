package org.attnzoo.backbones.conv2former;

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
 * The feed-forward half of a Conv2Former block, as the official code's {@code MLP} (which differs
 * from the paper's plain two-layer MLP): {@code h = gelu(fc1(norm(x)))}, {@code h = h +
 * gelu(pos(h))} with {@code pos} a depth-wise 3x3 convolution adding local position information,
 * {@code out = fc2(h)}. All convolutions are 1x1 except {@code pos}; all have biases.
 */
public class Conv2FormerMlp extends AbstractBlock implements OnnxExportable {

  private final long dim;
  private final LayerNorm2d norm;
  private final Conv2d fc1;
  private final Conv2d pos;
  private final Conv2d fc2;

  /**
   * @param dim input and output channels
   * @param mlpRatio hidden width relative to {@code dim}
   */
  public Conv2FormerMlp(long dim, int mlpRatio) {
    Checks.positive("Conv2FormerMlp dim", dim);
    Checks.positive("Conv2FormerMlp mlpRatio", mlpRatio);
    this.dim = dim;
    long hidden = dim * mlpRatio;
    norm = addChildBlock("norm", LayerNorm2d.withContiguousOutput(dim, 1e-6f));
    fc1 = addChildBlock("fc1", conv(hidden, 1, 1));
    pos = addChildBlock("pos", conv(hidden, 3, (int) hidden));
    fc2 = addChildBlock("fc2", conv(dim, 1, 1));
  }

  private static Conv2d conv(long out, int kernel, int groups) {
    return Convs.samePadded(out, kernel, groups).build();
  }

  private void check(Shape in) {
    Checks.rank("Conv2FormerMlp", in, 4, "[B, C, H, W]");
    Checks.size("Conv2FormerMlp", in, 1, dim, "channels");
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    check(inputs.singletonOrThrow().getShape());
    NDList x = norm.forward(ps, inputs, training);
    NDArray h = Activation.gelu(fc1.forward(ps, x, training).singletonOrThrow());
    h = h.add(Activation.gelu(pos.forward(ps, new NDList(h), training).singletonOrThrow()));
    return fc2.forward(ps, new NDList(h), training);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
    return inputShapes;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes[0]);
    norm.initialize(manager, dataType, shapes);
    fc1.initialize(manager, dataType, shapes);
    Shape[] hidden = fc1.getOutputShapes(shapes);
    pos.initialize(manager, dataType, hidden);
    fc2.initialize(manager, dataType, hidden);
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    String h = g.gelu(g.apply(fc1, g.apply(norm, inputs[0])));
    h = g.op("Add", h, g.gelu(g.apply(pos, h)));
    return new String[] {g.apply(fc2, h)};
  }
}
