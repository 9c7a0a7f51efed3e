package org.attnzoo.nn;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;

/**
 * The transformer feed-forward network: {@code fc2(drop(gelu(fc1(x))))} over the last axis, as
 * timm's {@code Mlp}. GELU is the exact (erf) form, as in PyTorch's default.
 */
public class Mlp extends AbstractBlock implements OnnxExportable {

  private final long inFeatures;
  private final long outFeatures;
  private final Linear fc1;
  private final Dropout drop1;
  private final Linear fc2;
  private final Dropout drop2;

  /**
   * @param inFeatures input channels
   * @param hiddenFeatures hidden channels
   * @param outFeatures output channels
   * @param drop dropout probability after the activation and after fc2
   */
  public Mlp(long inFeatures, long hiddenFeatures, long outFeatures, float drop) {
    Checks.positive("Mlp inFeatures", inFeatures);
    Checks.positive("Mlp hiddenFeatures", hiddenFeatures);
    Checks.positive("Mlp outFeatures", outFeatures);
    Checks.probability("Mlp drop", drop);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    fc1 = addChildBlock("fc1", Linear.builder().setUnits(hiddenFeatures).build());
    drop1 = addChildBlock("drop1", Dropout.builder().optRate(drop).build());
    fc2 = addChildBlock("fc2", Linear.builder().setUnits(outFeatures).build());
    drop2 = addChildBlock("drop2", Dropout.builder().optRate(drop).build());
  }

  /**
   * An MLP {@code dim -> dim * ratio -> dim} without dropout.
   *
   * @param dim input and output channels
   * @param ratio hidden expansion ratio
   * @return the block
   */
  public static Mlp of(long dim, double ratio) {
    return new Mlp(dim, (long) (dim * ratio), dim, 0f);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    Checks.size("Mlp", inputs.singletonOrThrow().getShape(), -1, inFeatures, "channels");
    NDList x = fc1.forward(ps, inputs, training);
    x = new NDList(Activation.gelu(x.singletonOrThrow()));
    x = drop1.forward(ps, x, training);
    x = fc2.forward(ps, x, training);
    return drop2.forward(ps, x, training);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    Checks.size("Mlp", in, -1, inFeatures, "channels");
    return new Shape[] {in.slice(0, in.dimension() - 1).add(outFeatures)};
  }

  @Override
  protected void initializeChildBlocks(
      ai.djl.ndarray.NDManager manager, ai.djl.ndarray.types.DataType dataType, Shape... shapes) {
    fc1.initialize(manager, dataType, shapes);
    Shape hidden = fc1.getOutputShapes(shapes)[0];
    drop1.initialize(manager, dataType, hidden);
    fc2.initialize(manager, dataType, hidden);
    drop2.initialize(manager, dataType, getOutputShapes(shapes));
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    String x = g.gelu(g.apply(fc1, inputs[0]));
    return new String[] {g.apply(drop2, g.apply(fc2, g.apply(drop1, x)))};
  }
}
