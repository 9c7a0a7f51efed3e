package org.attnzoo.backbones.tosa;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnzoo.attention.AttentionWithLogits;
import org.attnzoo.backbones.vit.VitBlock;
import org.attnzoo.backbones.vit.VitLayerArgs;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.Checks;

/**
 * A standard (dense) ViT layer that also passes its attention logits on: the layer before each
 * {@link TokenSelectiveBlock}, whose selector reads them. Same parameters as {@link VitBlock}.
 *
 * <p>Input: tokens {@code [B, N, C]}. Outputs: tokens {@code [B, N, C]} and attention logits {@code
 * [B, heads, N, N]}.
 */
public class AttentionPassingBlock extends VitBlock {

  private final long dim;
  private final int numHeads;

  /**
   * @param args the layer's hyper-parameters; the mechanism must expose its logits (e.g. mhsa)
   */
  public AttentionPassingBlock(VitLayerArgs args) {
    super(
        args.attention(),
        args.mechanism(),
        args.mlpRatio(),
        args.layerScaleInit(),
        args.dropPath(),
        args.normEps());
    if (!(getAttention() instanceof AttentionWithLogits)) {
      throw new IllegalArgumentException(
          "ToSA reads attention maps: layer "
              + args.index()
              + " needs an attention mechanism that exposes its logits (e.g. mhsa), got "
              + getAttention().getClass().getSimpleName());
    }
    this.dim = args.attention().dim();
    this.numHeads = args.attention().numHeads();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    return forwardWithAttentionLogits(ps, inputs.singletonOrThrow(), training);
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    return toOnnxWithAttentionLogits(g, inputs[0]);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    Checks.rank("AttentionPassingBlock", in, 3, "[B, N, C]");
    Checks.size("AttentionPassingBlock", in, 2, dim, "channels");
    return new Shape[] {in, new Shape(in.get(0), numHeads, in.get(1), in.get(1))};
  }
}
