package org.attnzoo.backbones.tosa;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Arrays;
import org.attnzoo.backbones.vit.VitBlock;
import org.attnzoo.backbones.vit.VitLayerArgs;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.Checks;

/**
 * A ToSA layer (Singh et al., 2024): a {@link VitBlock} whose attention and MLP run only on the
 * tokens its {@link TokenSelector} keeps. The selector reads the previous layer's attention logits
 * and predicts this layer's attention; the kept tokens are gathered, pass through the layer, and
 * are scattered back to their positions; the other tokens bypass the layer unchanged (bit for bit).
 * The output keeps every token, so the token map stays complete for dense prediction.
 *
 * <p>The cost is really reduced: attention runs on a {@code [B, k, C]} tensor, not a masked {@code
 * [B, N, C]} one. The layer's own parameters keep {@link VitBlock}'s names, so dense ViT weights
 * load into it; the selector adds {@code selector.conv1/conv2}.
 *
 * <p>Training: top-k is not differentiable. The paper trains the selector by a KL loss against the
 * dense model's attention ({@link TosaTraining}). attnzoo also lets the task loss reach the
 * selector in training mode through a straight-through gate (not in the paper, documented in
 * src/docs/tosa.md): each kept token's output is {@code g * y + (1 - g) * x} with {@code g = s /
 * stop_gradient(s)} and {@code s} its predicted importance, so {@code g == 1} exactly in the
 * forward pass and {@code d loss / d s = <d loss / d y', y - x> / s}.
 *
 * <p>Inputs: tokens {@code [B, N, C]} and the previous layer's attention logits {@code [B, heads,
 * N, N]}. Output: tokens {@code [B, N, C]}.
 */
public class TokenSelectiveBlock extends VitBlock {

  // Keeps the gate finite when a forced prefix token has (numerically) zero predicted importance.
  private static final float GATE_EPS = 1e-6f;

  private final long dim;
  private final int numHeads;
  private final TokenSelector selector;

  /**
   * @param args the layer's hyper-parameters
   * @param selector the token selector (reads the previous layer's maps; heads must match)
   */
  public TokenSelectiveBlock(VitLayerArgs args, TokenSelector selector) {
    super(
        args.attention(),
        args.mechanism(),
        args.mlpRatio(),
        args.layerScaleInit(),
        args.dropPath(),
        args.normEps());
    this.dim = args.attention().dim();
    this.numHeads = args.attention().numHeads();
    this.selector = addChildBlock("selector", selector);
  }

  private void check(Shape[] in) {
    if (in.length != 2) {
      throw new IllegalArgumentException(
          "TokenSelectiveBlock expects 2 inputs (tokens [B, N, C], previous layer's attention"
              + " logits [B, heads, N, N]), got "
              + in.length
              + " with shapes "
              + Arrays.toString(in));
    }
    Checks.rank("TokenSelectiveBlock", in[0], 3, "[B, N, C]");
    Checks.size("TokenSelectiveBlock", in[0], 2, dim, "channels");
    Shape expected = new Shape(in[0].get(0), numHeads, in[0].get(1), in[0].get(1));
    if (!in[1].equals(expected)) {
      throw new IllegalArgumentException(
          String.format(
              "TokenSelectiveBlock expects attention logits %s for tokens %s, got %s",
              expected, in[0], in[1]));
    }
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    check(inputs.getShapes());
    NDArray x = inputs.get(0);
    NDArray predicted = selector.predictLogits(ps, inputs.get(1), training);
    NDArray importance = TokenSelector.importanceFromLogits(predicted);
    NDArray keep = selector.select(importance);
    return new NDList(forwardSelected(ps, x, keep, training ? importance : null, training));
  }

  /**
   * Runs the layer on the selected tokens only; the others pass through unchanged.
   *
   * @param ps the parameter store
   * @param x tokens {@code [B, N, C]}
   * @param keep indices of the kept tokens {@code [B, k]} (int64, distinct per row)
   * @param importance predicted importance {@code [B, N]} for the straight-through gate, or null
   *     for none
   * @param training whether in training mode
   * @return tokens {@code [B, N, C]}
   */
  public NDArray forwardSelected(
      ParameterStore ps, NDArray x, NDArray keep, NDArray importance, boolean training) {
    long b = x.getShape().get(0);
    long c = x.getShape().get(2);
    long k = keep.getShape().get(1);
    NDArray index = keep.expandDims(2).broadcast(b, k, c);
    NDArray kept = x.gather(index, 1);
    NDArray y = super.forwardInternal(ps, new NDList(kept), training, null).singletonOrThrow();
    if (importance != null) {
      NDArray s = importance.gather(keep, 1).add(GATE_EPS).expandDims(2);
      NDArray gate = s.div(s.stopGradient());
      y = y.mul(gate).add(kept.mul(gate.neg().add(1f)));
    }
    // scatter writes only the kept rows: the bypassed tokens are copied from x untouched.
    return x.scatter(index, y, 1);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes);
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes);
    for (Block child : getChildren().values()) {
      child.initialize(manager, dataType, child == selector ? shapes[1] : shapes[0]);
    }
  }

  /**
   * Inference semantics (no straight-through gate): the selector's convolutions, importance and
   * {@code TopK} ({@link TokenSelector#onnxSelect}), {@code GatherElements} of the kept tokens, the
   * layer on them, {@code ScatterElements} back into a copy of the input.
   */
  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    if (inputs.length != 2) {
      throw new IllegalArgumentException(
          "TokenSelectiveBlock expects 2 inputs (tokens, attention logits), got " + inputs.length);
    }
    long n = getInputShapes()[0].get(1);
    long k = selector.keptTokens(n);
    String keep = selector.onnxSelect(g, selector.onnxPredictLogits(g, inputs[1]), n);
    // [B, k] -> [B, k, C]: the same token index for every channel.
    String index = g.op("Expand", g.op("Reshape", keep, g.ints(0, k, 1)), g.ints(1, 1, dim));
    OnnxGraph.Attr axis = OnnxGraph.Attr.of("axis", 1L);
    String kept = g.op("GatherElements", new String[] {inputs[0], index}, axis);
    String y = super.toOnnx(g, new String[] {kept})[0];
    return new String[] {g.op("ScatterElements", new String[] {inputs[0], index, y}, axis)};
  }

  /**
   * @return the token selector
   */
  public TokenSelector getSelector() {
    return selector;
  }
}
