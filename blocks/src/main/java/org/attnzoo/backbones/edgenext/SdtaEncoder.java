package org.attnzoo.backbones.edgenext;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.attnzoo.attention.AttentionFactory;
import org.attnzoo.attention.AttentionSpec;
import org.attnzoo.nn.DropPath;
import org.attnzoo.nn.LayerNorm;
import org.attnzoo.nn.Mlp;

/**
 * EdgeNeXt's split depth-wise transposed attention (SDTA) encoder, timm's {@code
 * SplitTransposeBlock}. Input and output {@code [B, C, H, W]}.
 *
 * <ol>
 *   <li>Multi-scale split (Res2Net style): the channels are cut into {@code numScales} groups of
 *       width {@code ceil(C / numScales)}; group i (except the last) goes through a depth-wise 3x3
 *       {@code convs.i} after adding the previous group's output, so receptive fields grow along
 *       the cascade; the last group passes unchanged.
 *   <li>Optional Fourier position encoding {@code pos_embd}, then {@code x + gamma_xca *
 *       attn(norm_xca(x))} over the H*W tokens, the attention coming from a factory (transposed
 *       attention {@code xca} in EdgeNeXt).
 *   <li>{@code gamma * mlp(norm(x))} per pixel, added to the block's input.
 * </ol>
 */
public class SdtaEncoder extends AbstractBlock {

  private static final float NORM_EPS = 1e-6f;

  private final long dim;
  private final long width;
  private final List<Conv2d> convs;
  private final PositionalEncodingFourier posEmbd;
  private final LayerNorm normXca;
  private final Parameter gammaXca;
  private final Block xca;
  private final LayerNorm norm;
  private final Mlp mlp;
  private final Parameter gamma;
  private final DropPath dropPath;

  /**
   * @param spec the attention slot: width C, heads, qkv bias
   * @param attention the token mixer's factory, e.g. {@code TransposedAttention::new}
   * @param numScales channel groups of the split (at least 2)
   * @param expandRatio hidden width of the MLP relative to C
   * @param usePosEmb whether to add the Fourier position encoding before the attention
   * @param layerScaleInit initial layer scales, or {@code null} for none
   * @param dropPath stochastic-depth rate
   */
  public SdtaEncoder(
      AttentionSpec spec,
      AttentionFactory attention,
      int numScales,
      double expandRatio,
      boolean usePosEmb,
      Float layerScaleInit,
      float dropPath) {
    this.dim = spec.dim();
    this.width = groupWidth(dim, numScales);
    List<Conv2d> list = new ArrayList<>();
    for (int i = 0; i < numScales - 1; i++) {
      list.add(addChildBlock("convs." + i, ConvEncoder.depthwise(width, 3)));
    }
    convs = Collections.unmodifiableList(list);
    posEmbd = usePosEmb ? addChildBlock("pos_embd", new PositionalEncodingFourier(dim)) : null;
    normXca = addChildBlock("norm_xca", LayerNorm.of(dim, NORM_EPS));
    gammaXca =
        layerScaleInit == null
            ? null
            : addParameter(ConvEncoder.layerScale("gamma_xca", dim, layerScaleInit));
    xca = addChildBlock("xca", attention.create(spec));
    norm = addChildBlock("norm", LayerNorm.of(dim, NORM_EPS));
    mlp = addChildBlock("mlp", Mlp.of(dim, expandRatio));
    gamma =
        layerScaleInit == null
            ? null
            : addParameter(ConvEncoder.layerScale("gamma", dim, layerScaleInit));
    this.dropPath = addChildBlock("drop_path", new DropPath(dropPath));
  }

  /**
   * Width of each channel group, as torch's {@code chunk}: {@code ceil(dim / numScales)}, the last
   * group taking the remainder.
   *
   * @param dim channels
   * @param numScales groups
   * @return the width of every group but the last
   * @throws IllegalArgumentException unless the split gives exactly {@code numScales} groups
   */
  static long groupWidth(long dim, int numScales) {
    if (numScales < 2) {
      throw new IllegalArgumentException("SDTA numScales must be >= 2, got " + numScales);
    }
    long width = (dim + numScales - 1) / numScales;
    if ((dim + width - 1) / width != numScales) {
      throw new IllegalArgumentException(
          String.format(
              "SDTA cannot split %d channels into %d groups of width %d", dim, numScales, width));
    }
    return width;
  }

  private NDArray apply(Block b, ParameterStore ps, NDArray x, boolean training) {
    return b.forward(ps, new NDList(x), training).singletonOrThrow();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray input = inputs.singletonOrThrow();
    Shape s = input.getShape();
    ConvEncoder.checkMap("SdtaEncoder", s, dim);
    long b = s.get(0);
    long h = s.get(2);
    long w = s.get(3);
    NDList groups = new NDList();
    NDArray sp = null;
    for (int i = 0; i < convs.size(); i++) {
      NDArray group = input.get(new NDIndex(":, {}:{}", i * width, (i + 1) * width));
      sp = apply(convs.get(i), ps, sp == null ? group : sp.add(group), training);
      groups.add(sp);
    }
    groups.add(input.get(new NDIndex(":, {}:", convs.size() * width)));
    NDArray x = NDArrays.concat(groups, 1);
    if (posEmbd != null) {
      x = x.add(apply(posEmbd, ps, x, training));
    }
    x = x.reshape(b, dim, h * w).transpose(0, 2, 1);
    NDArray y = apply(xca, ps, apply(normXca, ps, x, training), training);
    if (gammaXca != null) {
      y = y.mul(ps.getValue(gammaXca, input.getDevice(), training));
    }
    x = x.add(apply(dropPath, ps, y, training));
    y = apply(mlp, ps, apply(norm, ps, x, training), training);
    if (gamma != null) {
      y = y.mul(ps.getValue(gamma, input.getDevice(), training));
    }
    y = y.transpose(0, 2, 1).reshape(b, dim, h, w);
    return new NDList(input.add(apply(dropPath, ps, y, training)));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    ConvEncoder.checkMap("SdtaEncoder", inputShapes[0], dim);
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    Shape s = shapes[0];
    ConvEncoder.checkMap("SdtaEncoder", s, dim);
    for (Conv2d conv : convs) {
      conv.initialize(manager, dataType, new Shape(s.get(0), width, s.get(2), s.get(3)));
    }
    if (posEmbd != null) {
      posEmbd.initialize(manager, dataType, s);
    }
    Shape tokens = new Shape(s.get(0), s.get(2) * s.get(3), dim);
    normXca.initialize(manager, dataType, tokens);
    xca.initialize(manager, dataType, tokens);
    norm.initialize(manager, dataType, tokens);
    mlp.initialize(manager, dataType, tokens);
    dropPath.initialize(manager, dataType, s);
  }

  /**
   * @return the token mixer
   */
  public Block getAttention() {
    return xca;
  }
}
