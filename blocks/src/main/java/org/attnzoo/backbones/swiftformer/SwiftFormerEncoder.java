package org.attnzoo.backbones.swiftformer;

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
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.DropPath;
import org.attnzoo.nn.LayerScale;

/**
 * The SwiftFormer encoder, timm's SwiftFormer {@code Block}: a local representation {@code
 * local_representation} (depth-wise 3x3 and point-wise convolutions, residual), then {@code x +
 * layer_scale_1 * attn(x)} over the H*W tokens and {@code x + layer_scale_2 * linear(x)} with the
 * convolutional MLP. The token mixer comes from a factory (efficient additive attention in
 * SwiftFormer) and sees tokens {@code [B, H*W, C]}. Input and output {@code [B, C, H, W]}.
 */
public class SwiftFormerEncoder extends AbstractBlock implements OnnxExportable {

  private final long dim;
  private final ConvEncoder localRepresentation;
  private final Block attn;
  private final ConvMlp linear;
  private final DropPath dropPath;
  private final LayerScale layerScale1;
  private final LayerScale layerScale2;

  /**
   * @param spec the attention slot: width C and bias
   * @param attention the token mixer's factory
   * @param mlpRatio hidden width of the MLP relative to C
   * @param dropRate dropout inside the MLP
   * @param dropPath stochastic-depth rate
   * @param layerScaleInit initial value of both branch scales, or {@code null} for no layer scale
   *     (the local representation's scale, initialised to 1, is then dropped too, as in timm)
   */
  public SwiftFormerEncoder(
      AttentionSpec spec,
      AttentionFactory attention,
      double mlpRatio,
      float dropRate,
      float dropPath,
      Float layerScaleInit) {
    this.dim = spec.dim();
    boolean scaled = layerScaleInit != null;
    localRepresentation =
        addChildBlock("local_representation", new ConvEncoder(dim, dim, 3, 0f, scaled));
    attn = addChildBlock("attn", attention.create(spec));
    linear = addChildBlock("linear", new ConvMlp(dim, (long) (dim * mlpRatio), dropRate));
    this.dropPath = addChildBlock("drop_path", new DropPath(dropPath));
    layerScale1 =
        scaled
            ? addChildBlock("layer_scale_1", LayerScale.channelsFirst(dim, layerScaleInit))
            : null;
    layerScale2 =
        scaled
            ? addChildBlock("layer_scale_2", LayerScale.channelsFirst(dim, layerScaleInit))
            : null;
  }

  private static NDArray apply(Block b, ParameterStore ps, NDArray x, boolean training) {
    return b == null ? x : b.forward(ps, new NDList(x), training).singletonOrThrow();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    Shape s = x.getShape();
    ConvEncoder.checkMap("SwiftFormerEncoder", s, dim);
    long b = s.get(0);
    long n = s.get(2) * s.get(3);
    x = apply(localRepresentation, ps, x, training);
    NDArray tokens = x.reshape(b, dim, n).transpose(0, 2, 1);
    NDArray y = apply(attn, ps, tokens, training).transpose(0, 2, 1).reshape(s);
    x = x.add(apply(dropPath, ps, apply(layerScale1, ps, y, training), training));
    y = apply(layerScale2, ps, apply(linear, ps, x, training), training);
    return new NDList(x.add(apply(dropPath, ps, y, training)));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    ConvEncoder.checkMap("SwiftFormerEncoder", inputShapes[0], dim);
    return inputShapes;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    Shape s = shapes[0];
    ConvEncoder.checkMap("SwiftFormerEncoder", s, dim);
    localRepresentation.initialize(manager, dataType, s);
    attn.initialize(manager, dataType, new Shape(s.get(0), s.get(2) * s.get(3), dim));
    linear.initialize(manager, dataType, s);
    dropPath.initialize(manager, dataType, s);
    if (layerScale1 != null) {
      layerScale1.initialize(manager, dataType, s);
      layerScale2.initialize(manager, dataType, s);
    }
  }

  /**
   * @return the token mixer
   */
  public Block getAttention() {
    return attn;
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    Shape s = getInputShapes()[0];
    String x = g.apply(localRepresentation, inputs[0]);
    String tokens = g.op("Reshape", x, g.ints(0, dim, s.get(2) * s.get(3)));
    tokens = g.op("Transpose", new String[] {tokens}, OnnxGraph.Attr.ints("perm", 0, 2, 1));
    String y = g.apply(attn, tokens);
    y = g.op("Transpose", new String[] {y}, OnnxGraph.Attr.ints("perm", 0, 2, 1));
    y = g.op("Reshape", y, g.ints(0, dim, s.get(2), s.get(3)));
    x = g.op("Add", x, g.apply(dropPath, g.apply(layerScale1, y)));
    y = g.apply(layerScale2, g.apply(linear, x));
    return new String[] {g.op("Add", x, g.apply(dropPath, y))};
  }
}
