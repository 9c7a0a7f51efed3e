package org.attnzoo.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.Checks;
import org.attnzoo.nn.ConvNormAct;
import org.attnzoo.nn.ConvNormAct.Act;
import org.attnzoo.nn.Convs;
import org.attnzoo.nn.NamedSequential;

/**
 * Lightweight multi-scale linear attention (EfficientViT, Cai et al., ICCV 2023), laid out as
 * timm's {@code efficientvit_mit.LiteMLA} on feature maps {@code [B, C, H, W]}.
 *
 * <p>A 1x1 {@code qkv} convolution makes {@code heads = C / headDim} heads whose channels are laid
 * out per head as {@code (q | k | v) x headDim}. Each {@code aggreg.i} (a depth-wise {@code s x s}
 * convolution, then a 1x1 convolution grouped by q/k/v of each head) aggregates nearby tokens into
 * extra heads, concatenated to the original ones. Attention is ReLU linear attention (paper eq. 2):
 * {@code out_i = relu(q_i) (sum_j relu(k_j)^T v_j) / (relu(q_i) sum_j relu(k_j)^T)}, computed keys
 * first so that cost is linear in the number of tokens. A 1x1 {@code proj} convolution with
 * BatchNorm maps the concatenated heads back to {@code outChannels}.
 */
public class LiteMultiScaleAttention extends AbstractBlock implements OnnxExportable {

  private final long inChannels;
  private final long outChannels;
  private final int headDim;
  private final long totalDim;
  private final float eps;
  private final ConvNormAct qkv;
  private final List<NamedSequential> aggreg;
  private final ConvNormAct proj;

  /**
   * timm's defaults: one 5x5 aggregation scale, eps 1e-5, as many heads as {@code channels /
   * headDim}.
   *
   * @param channels input and output channels
   * @param headDim channels per head
   */
  public LiteMultiScaleAttention(long channels, int headDim) {
    this(channels, channels, headDim, List.of(5), 1e-5f);
  }

  /**
   * @param inChannels input channels
   * @param outChannels output channels
   * @param headDim channels per head; heads = {@code inChannels / headDim} (floor, as timm)
   * @param scales kernel sides of the multi-scale aggregations (odd)
   * @param eps added to the normaliser of the linear attention
   */
  public LiteMultiScaleAttention(
      long inChannels, long outChannels, int headDim, List<Integer> scales, float eps) {
    Checks.positive("LiteMultiScaleAttention inChannels", inChannels);
    Checks.positive("LiteMultiScaleAttention outChannels", outChannels);
    Checks.positive("LiteMultiScaleAttention headDim", headDim);
    long heads = inChannels / headDim;
    if (heads == 0) {
      throw new IllegalArgumentException(
          "LiteMultiScaleAttention needs inChannels >= headDim, got inChannels "
              + inChannels
              + " and headDim "
              + headDim);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.headDim = headDim;
    this.totalDim = heads * headDim;
    this.eps = eps;
    long qkvChannels = 3 * totalDim;
    qkv =
        addChildBlock(
            "qkv", new ConvNormAct(inChannels, qkvChannels, 1, 1, 1, false, false, Act.NONE));
    List<NamedSequential> aggregs = new ArrayList<>();
    for (int i = 0; i < scales.size(); i++) {
      int s = scales.get(i);
      if (s <= 0 || s % 2 == 0) {
        throw new IllegalArgumentException(
            "LiteMultiScaleAttention scales must be odd and positive, got " + scales);
      }
      aggregs.add(
          addChildBlock(
              "aggreg." + i,
              new NamedSequential()
                  .add("0", conv(qkvChannels, s, (int) qkvChannels))
                  .add("1", conv(qkvChannels, 1, (int) (3 * heads)))));
    }
    aggreg = Collections.unmodifiableList(aggregs);
    proj =
        addChildBlock(
            "proj",
            new ConvNormAct(
                totalDim * (1 + scales.size()), outChannels, 1, 1, 1, false, true, Act.NONE));
  }

  private static Conv2d conv(long channels, int kernel, int groups) {
    return Convs.samePadded(channels, kernel, groups).optBias(false).build();
  }

  private void check(Shape in) {
    Checks.rank("LiteMultiScaleAttention", in, 4, "[B, C, H, W]");
    Checks.size("LiteMultiScaleAttention", in, 1, inChannels, "channels");
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    check(x.getShape());
    long b = x.getShape().get(0);
    long h = x.getShape().get(2);
    long w = x.getShape().get(3);
    NDArray qkvMap = qkv.forward(ps, inputs, training).singletonOrThrow();
    NDList scalesOut = new NDList(qkvMap);
    for (NamedSequential op : aggreg) {
      scalesOut.add(op.forward(ps, new NDList(qkvMap), training).singletonOrThrow());
    }
    // Aggregated tokens become extra heads: [B, heads * (1 + S), N, 3d], per head (q | k | v).
    NDArray multi =
        NDArrays.concat(scalesOut, 1).reshape(b, -1, 3L * headDim, h * w).transpose(0, 1, 3, 2);
    DataType dtype = multi.getDataType();
    // timm computes the attention in float32 whatever the input precision.
    if (dtype != DataType.FLOAT32) {
      multi = multi.toType(DataType.FLOAT32, false);
    }
    NDArray q = Activation.relu(multi.get(new NDIndex(":, :, :, 0:{}", headDim)));
    NDArray k = Activation.relu(multi.get(new NDIndex(":, :, :, {}:{}", headDim, 2 * headDim)));
    NDArray v = multi.get(new NDIndex(":, :, :, {}:", 2 * headDim));
    // A column of ones under v makes one product yield both the numerator (sum_j k_j^T v_j) and
    // the normaliser (sum_j k_j^T) of eq. 2.
    Shape vs = v.getShape();
    NDArray ones =
        v.getManager()
            .ones(new Shape(vs.get(0), vs.get(1), vs.get(2), 1), DataType.FLOAT32, v.getDevice());
    v = NDArrays.concat(new NDList(v, ones), -1);
    NDArray kv = k.transpose(0, 1, 3, 2).matMul(v);
    NDArray out = q.matMul(kv);
    NDArray num = out.get(new NDIndex(":, :, :, :{}", headDim));
    NDArray den = out.get(new NDIndex(":, :, :, {}:", headDim));
    out = num.div(den.add(eps));
    if (dtype != DataType.FLOAT32) {
      out = out.toType(dtype, false);
    }
    out = out.transpose(0, 1, 3, 2).reshape(b, -1, h, w);
    return proj.forward(ps, new NDList(out), training);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    check(in);
    return new Shape[] {new Shape(in.get(0), outChannels, in.get(2), in.get(3))};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    Shape in = shapes[0];
    check(in);
    qkv.initialize(manager, dataType, in);
    Shape qkvShape = new Shape(in.get(0), 3 * totalDim, in.get(2), in.get(3));
    for (NamedSequential op : aggreg) {
      op.initialize(manager, dataType, qkvShape);
    }
    proj.initialize(
        manager,
        dataType,
        new Shape(in.get(0), totalDim * (1 + aggreg.size()), in.get(2), in.get(3)));
  }

  /**
   * @return attention heads before the multi-scale aggregation
   */
  public long heads() {
    return totalDim / headDim;
  }

  /** {@code x[..., start:end]} along {@code axis}. */
  private static String slice(OnnxGraph g, String x, long axis, long start, long end) {
    return g.op("Slice", x, g.ints(start), g.ints(end), g.ints(axis));
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    Shape in = getInputShapes()[0];
    long h = in.get(2);
    long w = in.get(3);
    String qkvMap = g.apply(qkv, inputs[0]);
    String[] scalesOut = new String[1 + aggreg.size()];
    scalesOut[0] = qkvMap;
    for (int i = 0; i < aggreg.size(); i++) {
      scalesOut[i + 1] = g.apply(aggreg.get(i), qkvMap);
    }
    String all =
        scalesOut.length == 1 ? qkvMap : g.op("Concat", scalesOut, OnnxGraph.Attr.of("axis", 1L));
    // [B, heads * (1 + S), N, 3d], as in forward; every tensor stays rank 4.
    String multi = g.op("Reshape", all, g.ints(0, -1, 3L * headDim, h * w));
    multi = g.op("Transpose", new String[] {multi}, OnnxGraph.Attr.ints("perm", 0, 1, 3, 2));
    String q = g.op("Relu", slice(g, multi, 3, 0, headDim));
    String k = g.op("Relu", slice(g, multi, 3, headDim, 2L * headDim));
    String v = slice(g, multi, 3, 2L * headDim, 3L * headDim);
    // The column of ones under v (numerator and normaliser of eq. 2 in one product) is a Pad.
    v = g.op("Pad", v, g.ints(0, 0, 0, 0, 0, 0, 0, 1), g.scalar(1f));
    String kt = g.op("Transpose", new String[] {k}, OnnxGraph.Attr.ints("perm", 0, 1, 3, 2));
    String out = g.op("MatMul", q, g.op("MatMul", kt, v));
    String num = slice(g, out, 3, 0, headDim);
    String den = slice(g, out, 3, headDim, headDim + 1L);
    out = g.op("Div", num, g.op("Add", den, g.scalar(eps)));
    out = g.op("Transpose", new String[] {out}, OnnxGraph.Attr.ints("perm", 0, 1, 3, 2));
    out = g.op("Reshape", out, g.ints(0, -1, h, w));
    return new String[] {g.apply(proj, out)};
  }
}
