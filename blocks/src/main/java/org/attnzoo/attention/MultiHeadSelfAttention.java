package org.attnzoo.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.Checks;
import org.attnzoo.nn.Scalars;

/**
 * Multi-head self-attention (Vaswani et al., 2017), laid out as timm's {@code Attention}: one fused
 * {@code qkv} projection, {@code softmax(q k^T / sqrt(d)) v} per head, output projection {@code
 * proj}. Cost and memory are quadratic in the number of tokens: this is the baseline every
 * efficient mechanism is measured against.
 */
public class MultiHeadSelfAttention extends AbstractBlock
    implements AttentionWithLogits, OnnxExportable {

  private final long dim;
  private final int numHeads;
  private final long headDim;
  private final float scale;
  private final Linear qkv;
  private final Dropout attnDrop;
  private final Linear proj;
  private final Dropout projDrop;

  /**
   * @param spec width, heads, bias and dropouts
   */
  public MultiHeadSelfAttention(AttentionSpec spec) {
    this.dim = spec.dim();
    this.numHeads = spec.numHeads();
    this.headDim = spec.headDim();
    this.scale = (float) (1.0 / Math.sqrt(headDim));
    qkv = addChildBlock("qkv", Linear.builder().setUnits(3 * dim).optBias(spec.qkvBias()).build());
    attnDrop = addChildBlock("attn_drop", Dropout.builder().optRate(spec.attnDrop()).build());
    proj = addChildBlock("proj", Linear.builder().setUnits(dim).build());
    projDrop = addChildBlock("proj_drop", Dropout.builder().optRate(spec.projDrop()).build());
  }

  private void check(Shape in) {
    Checks.rank("MultiHeadSelfAttention", in, 3, "[B, N, C]");
    Checks.size("MultiHeadSelfAttention", in, 2, dim, "channels");
  }

  /**
   * Splits the fused projection into per-head queries, keys and values.
   *
   * @param x tokens {@code [B, N, C]}
   * @return {@code q, k, v}, each {@code [B, heads, N, d]}
   */
  NDList queriesKeysValues(ParameterStore ps, NDArray x, boolean training) {
    long b = x.getShape().get(0);
    long n = x.getShape().get(1);
    NDArray qkvOut = qkv.forward(ps, new NDList(x), training).singletonOrThrow();
    // [B, N, 3C] -> [3, B, h, N, d]: the channel layout is (q|k|v) x heads x d, as in timm.
    NDArray split = qkvOut.reshape(b, n, 3, numHeads, headDim).transpose(2, 0, 3, 1, 4);
    return new NDList(split.get(0), split.get(1), split.get(2));
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(forwardWithLogits(ps, inputs.singletonOrThrow(), training).get(0));
  }

  @Override
  public NDList forwardWithLogits(ParameterStore ps, NDArray x, boolean training) {
    check(x.getShape());
    long b = x.getShape().get(0);
    long n = x.getShape().get(1);
    NDList qkvList = queriesKeysValues(ps, x, training);
    NDArray q = Scalars.mul(qkvList.get(0), scale);
    NDArray logits = q.matMul(qkvList.get(1).transpose(0, 1, 3, 2));
    NDArray attn =
        attnDrop.forward(ps, new NDList(logits.softmax(-1)), training).singletonOrThrow();
    NDArray out = attn.matMul(qkvList.get(2)).transpose(0, 2, 1, 3).reshape(b, n, dim);
    out = proj.forward(ps, new NDList(out), training).singletonOrThrow();
    return new NDList(projDrop.forward(ps, new NDList(out), training).singletonOrThrow(), logits);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes[0]);
    Shape in = shapes[0];
    qkv.initialize(manager, dataType, in);
    Shape n = new Shape(in.get(0), numHeads, in.get(1), in.get(1));
    attnDrop.initialize(manager, dataType, n);
    proj.initialize(manager, dataType, in);
    projDrop.initialize(manager, dataType, in);
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    return new String[] {toOnnxWithLogits(g, inputs[0])[0]};
  }

  @Override
  public String[] toOnnxWithLogits(OnnxGraph g, String x) {
    String fused = g.apply(qkv, x);
    String[] heads = FusedQkv.onnxHeads(g, fused, dim, numHeads, 0, 2, 1, 3);
    String q = g.op("Mul", heads[0], g.scalar(scale));
    String kT = g.op("Transpose", new String[] {heads[1]}, OnnxGraph.Attr.ints("perm", 0, 1, 3, 2));
    String logits = g.op("MatMul", q, kT);
    String attn = g.op("Softmax", new String[] {logits}, OnnxGraph.Attr.of("axis", -1L));
    attn = g.apply(attnDrop, attn);
    String out = g.op("MatMul", attn, heads[2]);
    out = g.op("Transpose", new String[] {out}, OnnxGraph.Attr.ints("perm", 0, 2, 1, 3));
    out = g.op("Reshape", out, g.ints(0, 0, dim));
    return new String[] {g.apply(projDrop, g.apply(proj, out)), logits};
  }
}
