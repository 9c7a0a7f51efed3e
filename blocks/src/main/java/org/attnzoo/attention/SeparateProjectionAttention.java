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

/**
 * The layout shared by the kernelised linear attentions on {@code [B, N, C]}: separate query, key
 * and value projections (the references use three {@code nn.Linear}s, not a fused {@code qkv}), the
 * mechanism on per-head {@code [B, h, N, d]} arrays, heads merged, an output projection with bias,
 * then output dropout. Subclasses name the four projections after their reference's attributes, so
 * that the checkpoint mapper stays IDENTITY, and implement only the mechanism, both in DJL and in
 * ONNX. The causal form computes prefix sums over tokens and is not exported.
 */
abstract class SeparateProjectionAttention extends AbstractBlock implements OnnxExportable {

  private final String name;
  final long dim;
  final int numHeads;
  final long headDim;
  final boolean causal;
  final Linear query;
  final Linear key;
  final Linear value;
  final Linear output;
  private final Dropout projDrop;

  /**
   * @param name the block's name in validation and export messages
   * @param spec width, heads, qkv bias and output dropout ({@code attnDrop} has no attention matrix
   *     to act on and is ignored)
   * @param causal whether token {@code i} only attends to tokens {@code j <= i}
   * @param names the reference's attribute names of the query, key, value and output projections
   */
  SeparateProjectionAttention(String name, AttentionSpec spec, boolean causal, String... names) {
    if (names.length != 4) {
      throw new IllegalArgumentException(
          name + " needs 4 projection names (query, key, value, output), got " + names.length);
    }
    this.name = name;
    this.dim = spec.dim();
    this.numHeads = spec.numHeads();
    this.headDim = spec.headDim();
    this.causal = causal;
    query = addChildBlock(names[0], projection(dim, spec.qkvBias()));
    key = addChildBlock(names[1], projection(dim, spec.qkvBias()));
    value = addChildBlock(names[2], projection(dim, spec.qkvBias()));
    output = addChildBlock(names[3], projection(dim, true));
    projDrop = addChildBlock("proj_drop", Dropout.builder().optRate(spec.projDrop()).build());
  }

  private static Linear projection(long units, boolean bias) {
    return Linear.builder().setUnits(units).optBias(bias).build();
  }

  /**
   * @return whether this block computes the causal form
   */
  public boolean isCausal() {
    return causal;
  }

  /**
   * The mechanism on the projected heads.
   *
   * @param q queries {@code [B, h, N, d]}, before any feature map
   * @param k keys {@code [B, h, N, d]}, before any feature map
   * @param v values {@code [B, h, N, d]}
   * @return the per-head outputs {@code [B, h, N, d]}
   */
  abstract NDArray attendHeads(NDArray q, NDArray k, NDArray v);

  /**
   * {@link #attendHeads} as ONNX nodes (non-causal form only).
   *
   * @param g the graph
   * @param q queries {@code [B, h, N, d]}
   * @param k keys {@code [B, h, N, d]}
   * @param v values {@code [B, h, N, d]}
   * @return the per-head outputs {@code [B, h, N, d]}
   */
  abstract String onnxAttendHeads(OnnxGraph g, String q, String k, String v);

  void check(Shape in) {
    Checks.rank(name, in, 3, "[B, N, C]");
    Checks.size(name, in, 2, dim, "channels");
  }

  /**
   * @return {@code projection(x)} split into heads, {@code [B, h, N, d]}
   */
  NDArray heads(Linear projection, ParameterStore ps, NDArray x, boolean training) {
    long b = x.getShape().get(0);
    long n = x.getShape().get(1);
    NDArray y = projection.forward(ps, new NDList(x), training).singletonOrThrow();
    return y.reshape(b, n, numHeads, headDim).transpose(0, 2, 1, 3);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    check(x.getShape());
    long b = x.getShape().get(0);
    long n = x.getShape().get(1);
    NDArray out =
        attendHeads(
            heads(query, ps, x, training),
            heads(key, ps, x, training),
            heads(value, ps, x, training));
    out = out.transpose(0, 2, 1, 3).reshape(b, n, dim);
    out = output.forward(ps, new NDList(out), training).singletonOrThrow();
    return projDrop.forward(ps, new NDList(out), training);
  }

  /**
   * @throws UnsupportedOperationException for the causal form
   */
  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    if (causal) {
      throw new UnsupportedOperationException(
          "ONNX export: causal "
              + name
              + " (prefix sums over tokens) is not supported;"
              + " only the non-causal form used by the vision backbones exports");
    }
    String out =
        onnxAttendHeads(
            g,
            onnxHeads(g, query, inputs[0]),
            onnxHeads(g, key, inputs[0]),
            onnxHeads(g, value, inputs[0]));
    out = g.op("Transpose", new String[] {out}, OnnxGraph.Attr.ints("perm", 0, 2, 1, 3));
    out = g.op("Reshape", out, g.ints(0, 0, dim));
    return new String[] {g.apply(projDrop, g.apply(output, out))};
  }

  private String onnxHeads(OnnxGraph g, Linear projection, String x) {
    String y = g.op("Reshape", g.apply(projection, x), g.ints(0, 0, numHeads, headDim));
    return g.op("Transpose", new String[] {y}, OnnxGraph.Attr.ints("perm", 0, 2, 1, 3));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes[0]);
    for (Linear projection : new Linear[] {query, key, value, output}) {
      projection.initialize(manager, dataType, shapes[0]);
    }
    projDrop.initialize(manager, dataType, shapes[0]);
  }
}
