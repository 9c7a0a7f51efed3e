package org.attnzoo.backbones.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnzoo.attention.AttentionFactory;
import org.attnzoo.attention.AttentionSpec;
import org.attnzoo.attention.AttentionWithLogits;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.Checks;
import org.attnzoo.nn.DropPath;
import org.attnzoo.nn.LayerNorm;
import org.attnzoo.nn.LayerScale;
import org.attnzoo.nn.Mlp;

/**
 * A pre-norm transformer layer, timm's {@code Block}: {@code x + drop_path(ls1(attn(norm1(x))))},
 * then {@code x + drop_path(ls2(mlp(norm2(x))))}. The attention comes from a factory, so every
 * token-mixing mechanism reuses this layer.
 */
public class VitBlock extends AbstractBlock implements OnnxExportable {

  private final long dim;
  private final LayerNorm norm1;
  private final Block attn;
  private final LayerScale ls1;
  private final DropPath dropPath1;
  private final LayerNorm norm2;
  private final Mlp mlp;
  private final LayerScale ls2;
  private final DropPath dropPath2;

  /**
   * @param spec the attention slot (width, heads, ...)
   * @param attention the token mixer's factory
   * @param mlpRatio hidden width of the MLP relative to {@code dim}
   * @param layerScaleInit initial layer-scale value, or {@code null} for none
   * @param dropPath stochastic-depth rate of this layer
   * @param normEps LayerNorm eps
   */
  public VitBlock(
      AttentionSpec spec,
      AttentionFactory attention,
      double mlpRatio,
      Float layerScaleInit,
      float dropPath,
      float normEps) {
    this.dim = spec.dim();
    norm1 = addChildBlock("norm1", LayerNorm.of(dim, normEps));
    attn = addChildBlock("attn", attention.create(spec));
    ls1 = layerScaleInit == null ? null : addChildBlock("ls1", new LayerScale(dim, layerScaleInit));
    dropPath1 = addChildBlock("drop_path1", new DropPath(dropPath));
    norm2 = addChildBlock("norm2", LayerNorm.of(dim, normEps));
    mlp = addChildBlock("mlp", Mlp.of(dim, mlpRatio));
    ls2 = layerScaleInit == null ? null : addChildBlock("ls2", new LayerScale(dim, layerScaleInit));
    dropPath2 = addChildBlock("drop_path2", new DropPath(dropPath));
  }

  private static NDArray apply(Block b, ParameterStore ps, NDArray x, boolean training) {
    return b == null ? x : b.forward(ps, new NDList(x), training).singletonOrThrow();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    Checks.rank("VitBlock", x.getShape(), 3, "[B, N, C]");
    NDArray mixed = apply(attn, ps, apply(norm1, ps, x, training), training);
    return new NDList(afterAttention(ps, x, mixed, training));
  }

  /**
   * Runs this layer and also returns its attention logits, for methods that read them (ToSA's token
   * selector).
   *
   * @param ps the parameter store
   * @param x tokens {@code [B, N, C]}
   * @param training whether in training mode
   * @return the layer output {@code [B, N, C]} and the attention logits {@code [B, heads, N, N]}
   * @throws IllegalStateException if the token mixer does not implement {@link AttentionWithLogits}
   */
  public NDList forwardWithAttentionLogits(ParameterStore ps, NDArray x, boolean training) {
    if (!(attn instanceof AttentionWithLogits withLogits)) {
      throw new IllegalStateException(
          "attention " + attn.getClass().getSimpleName() + " does not expose attention logits");
    }
    Checks.rank("VitBlock", x.getShape(), 3, "[B, N, C]");
    NDList mixed = withLogits.forwardWithLogits(ps, apply(norm1, ps, x, training), training);
    return new NDList(afterAttention(ps, x, mixed.get(0), training), mixed.get(1));
  }

  private NDArray afterAttention(ParameterStore ps, NDArray x, NDArray mixed, boolean training) {
    NDArray y = apply(ls1, ps, mixed, training);
    x = x.add(apply(dropPath1, ps, y, training));
    y = apply(mlp, ps, apply(norm2, ps, x, training), training);
    y = apply(ls2, ps, y, training);
    return x.add(apply(dropPath2, ps, y, training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Checks.rank("VitBlock", inputShapes[0], 3, "[B, N, C]");
    Checks.size("VitBlock", inputShapes[0], 2, dim, "channels");
    return inputShapes;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    getOutputShapes(shapes);
    for (Block child : getChildren().values()) {
      child.initialize(manager, dataType, shapes);
    }
  }

  /**
   * @return the token mixer of this layer
   */
  public Block getAttention() {
    return attn;
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    String x = inputs[0];
    return new String[] {onnxAfterAttention(g, x, g.apply(attn, g.apply(norm1, x)))};
  }

  /**
   * The ONNX counterpart of {@link #forwardWithAttentionLogits}.
   *
   * @param g the graph under construction
   * @param x name of the tokens {@code [B, N, C]}
   * @return names of the layer output {@code [B, N, C]} and of the attention logits {@code [B,
   *     heads, N, N]}
   * @throws IllegalStateException if the token mixer does not implement {@link AttentionWithLogits}
   */
  public String[] toOnnxWithAttentionLogits(OnnxGraph g, String x) {
    if (!(attn instanceof AttentionWithLogits withLogits)) {
      throw new IllegalStateException(
          "attention " + attn.getClass().getSimpleName() + " does not expose attention logits");
    }
    String[] mixed = withLogits.toOnnxWithLogits(g, g.apply(norm1, x));
    return new String[] {onnxAfterAttention(g, x, mixed[0]), mixed[1]};
  }

  private String onnxAfterAttention(OnnxGraph g, String x, String mixed) {
    String y = g.apply(ls1, mixed);
    x = g.op("Add", x, g.apply(dropPath1, y));
    y = g.apply(ls2, g.apply(mlp, g.apply(norm2, x)));
    return g.op("Add", x, g.apply(dropPath2, y));
  }
}
