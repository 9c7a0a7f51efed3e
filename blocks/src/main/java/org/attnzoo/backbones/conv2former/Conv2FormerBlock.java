package org.attnzoo.backbones.conv2former;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import org.attnzoo.attention.ConvModulation;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.Checks;
import org.attnzoo.nn.DropPath;
import org.attnzoo.nn.Scopes;

/**
 * A Conv2Former block, as the official {@code Block}: {@code x + drop_path(layer_scale_1 *
 * attn(x))}, then {@code x + drop_path(layer_scale_2 * mlp(x))}; both branches normalise their own
 * input. The per-channel layer scales are the block's own parameters {@code layer_scale_1, _2}, as
 * in the official state dict.
 */
public class Conv2FormerBlock extends AbstractBlock implements OnnxExportable {

  private final long dim;
  private final Parameter layerScale1;
  private final Parameter layerScale2;
  private final ConvModulation attn;
  private final DropPath dropPath;
  private final Conv2FormerMlp mlp;

  /**
   * @param dim channels
   * @param kernelSize side of the modulation's depth-wise kernel
   * @param mlpRatio MLP expansion
   * @param dropPath stochastic-depth rate of this block
   * @param layerScaleInit initial value of the layer scales (official: 1e-6)
   */
  public Conv2FormerBlock(
      long dim, int kernelSize, int mlpRatio, float dropPath, float layerScaleInit) {
    this.dim = dim;
    layerScale1 = addParameter(layerScale("layer_scale_1", dim, layerScaleInit));
    layerScale2 = addParameter(layerScale("layer_scale_2", dim, layerScaleInit));
    attn = addChildBlock("attn", new ConvModulation(dim, kernelSize));
    this.dropPath = addChildBlock("drop_path", new DropPath(dropPath));
    mlp = addChildBlock("mlp", new Conv2FormerMlp(dim, mlpRatio));
  }

  private static Parameter layerScale(String name, long dim, float init) {
    // OTHER: keeps its constant when a model-wide initializer is set for weights.
    return Parameter.builder()
        .setName(name)
        .setType(Parameter.Type.OTHER)
        .optShape(new Shape(dim))
        .optInitializer(new ConstantInitializer(init))
        .build();
  }

  private void check(Shape in) {
    Checks.rank("Conv2FormerBlock", in, 4, "[B, C, H, W]");
    Checks.size("Conv2FormerBlock", in, 1, dim, "channels");
  }

  private NDArray branch(
      ParameterStore ps, AbstractBlock f, Parameter scale, NDArray x, boolean training) {
    NDArray y = f.forward(ps, new NDList(x), training).singletonOrThrow();
    y =
        y.mul(
            Scopes.withInput(ps.getValue(scale, x.getDevice(), training).reshape(1, dim, 1, 1), x));
    return dropPath.forward(ps, new NDList(y), training).singletonOrThrow();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    check(x.getShape());
    x = x.add(branch(ps, attn, layerScale1, x, training));
    return new NDList(x.add(branch(ps, mlp, layerScale2, x, training)));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
    return inputShapes;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes[0]);
    attn.initialize(manager, dataType, shapes);
    dropPath.initialize(manager, dataType, shapes);
    mlp.initialize(manager, dataType, shapes);
  }

  private String branchOnnx(OnnxGraph g, Block f, Parameter scale, String x) {
    String s = g.op("Reshape", g.param(scale), g.ints(dim, 1, 1));
    return g.apply(dropPath, g.op("Mul", g.apply(f, x), s));
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    String x = g.op("Add", inputs[0], branchOnnx(g, attn, layerScale1, inputs[0]));
    return new String[] {g.op("Add", x, branchOnnx(g, mlp, layerScale2, x))};
  }
}
