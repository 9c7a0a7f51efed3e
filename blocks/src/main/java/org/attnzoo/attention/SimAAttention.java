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
 * SimA, softmax-free attention (Koohpayegani and Pirsiavash, WACV 2024, "SimA: Simple Softmax-free
 * Attention for Vision Transformers"), laid out as the official {@code SimA} module
 * (UCDvision/sima): a fused {@code qkv} projection in timm's layout, then per head
 *
 * <pre>
 *   q^ = q / ||q||_1,  k^ = k / ||k||_1   (L1 over the TOKEN axis, per channel)
 *   out = q^ k^T v
 * </pre>
 *
 * and the output projection {@code proj}. The L1 normalisation over tokens replaces the softmax: it
 * bounds every channel of {@code q} and {@code k} so that no token or channel dominates, and
 * without a softmax the product is associative, so it is evaluated as {@code (q k^T) v} ({@code
 * O(N^2 d)}) when {@code N < d} and as {@code q (k^T v)} ({@code O(N d^2)}) otherwise, as the
 * official code does. The normaliser is {@code max(||x||_1, 1e-12)}, as {@code
 * torch.nn.functional.normalize(p=1)}.
 */
public class SimAAttention extends AbstractBlock implements OnnxExportable {

  /** Lower bound of the L1 norm, {@code torch.nn.functional.normalize}'s default. */
  public static final float EPS = 1e-12f;

  private final long dim;
  private final int numHeads;
  private final long headDim;
  private final Linear qkv;
  private final Linear proj;
  private final Dropout projDrop;

  /**
   * @param spec width, heads, qkv bias and output dropout ({@code attnDrop} has no attention
   *     weights to act on and is ignored, as in the official forward pass)
   */
  public SimAAttention(AttentionSpec spec) {
    this.dim = spec.dim();
    this.numHeads = spec.numHeads();
    this.headDim = spec.headDim();
    qkv = addChildBlock("qkv", Linear.builder().setUnits(3 * dim).optBias(spec.qkvBias()).build());
    proj = addChildBlock("proj", Linear.builder().setUnits(dim).build());
    projDrop = addChildBlock("proj_drop", Dropout.builder().optRate(spec.projDrop()).build());
  }

  /**
   * The official order rule: keys and values are multiplied first unless there are fewer tokens
   * than channels per head.
   *
   * @param tokens {@code N}
   * @param headDim {@code d}
   * @return true for {@code q (k^T v)}, false for {@code (q k^T) v}
   */
  public static boolean keysFirst(long tokens, long headDim) {
    return tokens >= headDim;
  }

  /**
   * L1-normalises each channel over the tokens: {@code x / max(sum_n |x_n|, EPS)}.
   *
   * @param x {@code [B, h, N, d]}
   * @return the normalised array
   */
  static NDArray l1NormalizeTokens(NDArray x) {
    return x.div(Scalars.maximum(x.abs().sum(new int[] {2}, true), EPS));
  }

  /**
   * Softmax-free attention on normalised queries and keys, in either order.
   *
   * @param q normalised queries {@code [B, h, N, d]}
   * @param k normalised keys {@code [B, h, N, d]}
   * @param v values {@code [B, h, N, d]}
   * @param keysFirst {@code q (k^T v)} if true, {@code (q k^T) v} if false
   * @return {@code [B, h, N, d]}
   */
  static NDArray attend(NDArray q, NDArray k, NDArray v, boolean keysFirst) {
    NDArray kt = k.transpose(0, 1, 3, 2);
    return keysFirst ? q.matMul(kt.matMul(v)) : q.matMul(kt).matMul(v);
  }

  private void check(Shape in) {
    Checks.rank("SimAAttention", in, 3, "[B, N, C]");
    Checks.size("SimAAttention", in, 2, dim, "channels");
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    check(x.getShape());
    long b = x.getShape().get(0);
    long n = x.getShape().get(1);
    NDArray qkvOut = qkv.forward(ps, new NDList(x), training).singletonOrThrow();
    // [B, N, 3C] -> [3, B, h, N, d]: the channel layout is (q|k|v) x heads x d, as in timm.
    NDArray split = qkvOut.reshape(b, n, 3, numHeads, headDim).transpose(2, 0, 3, 1, 4);
    NDArray q = l1NormalizeTokens(split.get(0));
    NDArray k = l1NormalizeTokens(split.get(1));
    NDArray out = attend(q, k, split.get(2), keysFirst(n, headDim));
    out = out.transpose(0, 2, 1, 3).reshape(b, n, dim);
    out = proj.forward(ps, new NDList(out), training).singletonOrThrow();
    return projDrop.forward(ps, new NDList(out), training);
  }

  /**
   * As ONNX, with the multiplication order chosen for the sequence length the block was initialised
   * with ({@link #keysFirst}).
   */
  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    long n = getInputShapes()[0].get(1);
    String fused = g.apply(qkv, inputs[0]);
    String[] heads = FusedQkv.onnxHeads(g, fused, dim, numHeads, 0, 2, 1, 3);
    String q = onnxL1NormalizeTokens(g, heads[0]);
    String k = onnxL1NormalizeTokens(g, heads[1]);
    String kT = g.op("Transpose", new String[] {k}, OnnxGraph.Attr.ints("perm", 0, 1, 3, 2));
    String out =
        keysFirst(n, headDim)
            ? g.op("MatMul", q, g.op("MatMul", kT, heads[2]))
            : g.op("MatMul", g.op("MatMul", q, kT), heads[2]);
    out = g.op("Transpose", new String[] {out}, OnnxGraph.Attr.ints("perm", 0, 2, 1, 3));
    out = g.op("Reshape", out, g.ints(0, 0, dim));
    return new String[] {g.apply(projDrop, g.apply(proj, out))};
  }

  /** {@link #l1NormalizeTokens} as ONNX. */
  private static String onnxL1NormalizeTokens(OnnxGraph g, String x) {
    String norm =
        g.op(
            "ReduceSum",
            new String[] {g.op("Abs", x), g.ints(2)},
            OnnxGraph.Attr.of("keepdims", 1L));
    return g.op("Div", x, g.op("Max", norm, g.scalar(EPS)));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes[0]);
    qkv.initialize(manager, dataType, shapes[0]);
    proj.initialize(manager, dataType, shapes[0]);
    projDrop.initialize(manager, dataType, shapes[0]);
  }
}
