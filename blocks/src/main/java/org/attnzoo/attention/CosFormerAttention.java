package org.attnzoo.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.Checks;

/**
 * cosFormer attention (Qin et al., ICLR 2022, "cosFormer: Rethinking Softmax in Attention"), laid
 * out as the official {@code CosformerAttention} (OpenNLPLab/cosFormer) with the ReLU feature map:
 * projections {@code q_proj}, {@code k_proj}, {@code v_proj}, {@code out_proj}, and per head the
 * similarity
 *
 * <pre>
 *   s(i, j) = relu(q_i) . relu(k_j) cos(pi/2 (i - j) / M),   i, j = 1..N,  M = N,
 *   out_i   = sum_j s(i, j) v_j / max(sum_j s(i, j), eps).
 * </pre>
 *
 * The cos re-weighting (paper Sec. 3.3) favours nearby tokens yet stays linear: Ptolemy's identity
 * {@code cos(a - b) = cos a cos b + sin a sin b} splits it into sin- and cos-weighted features
 * {@code q' = [q sin(a_i), q cos(a_i)]} (the same for {@code k}, {@code a_i = pi i / (2M)}), so
 * {@code s(i, j) = q'_i . k'_j} and {@code (sum_j k'_j v_j^T)} can be computed first, in {@code O(N
 * d^2)}. As in the official code, the index starts at 1, {@code M} is the sequence length and the
 * denominator is clamped from below by {@code eps = 1e-6} (not added).
 */
public class CosFormerAttention extends AbstractBlock implements OnnxExportable {

  /** Lower clamp of the denominator, as the official {@code forward(eps=1e-6)}. */
  public static final float EPS = 1e-6f;

  private final long dim;
  private final int numHeads;
  private final long headDim;
  private final boolean causal;
  private final Linear qProj;
  private final Linear kProj;
  private final Linear vProj;
  private final Linear outProj;
  private final Dropout projDrop;

  /**
   * Non-causal cosFormer attention, the form used in vision backbones.
   *
   * @param spec width, heads, qkv bias and output dropout ({@code attnDrop} has no attention matrix
   *     to act on and is ignored)
   */
  public CosFormerAttention(AttentionSpec spec) {
    this(spec, false);
  }

  /**
   * @param spec width, heads, qkv bias and output dropout
   * @param causal whether token {@code i} only attends to tokens {@code j <= i}
   */
  public CosFormerAttention(AttentionSpec spec, boolean causal) {
    this.dim = spec.dim();
    this.numHeads = spec.numHeads();
    this.headDim = spec.headDim();
    this.causal = causal;
    qProj = addChildBlock("q_proj", projection(dim, spec.qkvBias()));
    kProj = addChildBlock("k_proj", projection(dim, spec.qkvBias()));
    vProj = addChildBlock("v_proj", projection(dim, spec.qkvBias()));
    outProj = addChildBlock("out_proj", projection(dim, true));
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
   * The re-weighting angles {@code a_i = (pi/2) i / M} for {@code i = 1..n}, with {@code M = n},
   * computed as the official {@code get_index}: {@code pi/2 * i} rounded to float32, then divided
   * by {@code M}.
   *
   * @param n sequence length
   * @return the angles in radians
   */
  public static double[] angles(long n) {
    double[] a = new double[Math.toIntExact(n)];
    for (int i = 0; i < a.length; i++) {
      a[i] = (double) (float) (Math.PI / 2 * (i + 1)) / n;
    }
    return a;
  }

  private void check(Shape in) {
    Checks.rank("CosFormerAttention", in, 3, "[B, N, C]");
    Checks.size("CosFormerAttention", in, 2, dim, "channels");
  }

  private NDArray heads(Linear projection, ParameterStore ps, NDArray x, boolean training) {
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
    NDArray q = Activation.relu(heads(qProj, ps, x, training));
    NDArray k = Activation.relu(heads(kProj, ps, x, training));
    NDArray v = heads(vProj, ps, x, training);
    double[] a = angles(n);
    float[] sin = new float[a.length];
    float[] cos = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      sin[i] = (float) Math.sin(a[i]);
      cos[i] = (float) Math.cos(a[i]);
    }
    NDManager m = x.getManager();
    NDArray sinW = m.create(sin, new Shape(n, 1)).toType(x.getDataType(), false);
    NDArray cosW = m.create(cos, new Shape(n, 1)).toType(x.getDataType(), false);
    // Ptolemy: q'_i . k'_j = (q_i . k_j) cos(a_i - a_j), with q' = [q sin a, q cos a].
    NDArray qw = NDArrays.concat(new NDList(q.mul(sinW), q.mul(cosW)), -1);
    NDArray kw = NDArrays.concat(new NDList(k.mul(sinW), k.mul(cosW)), -1);
    NDArray out = causal ? causalAttend(qw, kw, v) : attend(qw, kw, v);
    out = out.transpose(0, 2, 1, 3).reshape(b, n, dim);
    out = outProj.forward(ps, new NDList(out), training).singletonOrThrow();
    return projDrop.forward(ps, new NDList(out), training);
  }

  /**
   * @param q re-weighted queries {@code [B, h, N, 2d]}
   * @param k re-weighted keys {@code [B, h, N, 2d]}
   * @param v values {@code [B, h, N, d]}
   * @return {@code [B, h, N, d]}
   */
  static NDArray attend(NDArray q, NDArray k, NDArray v) {
    NDArray kv = k.transpose(0, 1, 3, 2).matMul(v); // [B, h, 2d, d]
    NDArray kSum = k.sum(new int[] {2}, true).transpose(0, 1, 3, 2); // [B, h, 2d, 1]
    NDArray denominator = q.matMul(kSum).maximum(EPS); // [B, h, N, 1]
    return q.matMul(kv).div(denominator);
  }

  /**
   * The causal form: the sums over keys run over {@code j <= i}, as prefix sums (the official
   * {@code causal=True} branch).
   *
   * @param q re-weighted queries {@code [B, h, N, 2d]}
   * @param k re-weighted keys {@code [B, h, N, 2d]}
   * @param v values {@code [B, h, N, d]}
   * @return {@code [B, h, N, d]}
   */
  static NDArray causalAttend(NDArray q, NDArray k, NDArray v) {
    NDArray kv = k.expandDims(-1).matMul(v.expandDims(-2)).cumSum(2); // [B, h, N, 2d, d]
    NDArray numerator = q.expandDims(-2).matMul(kv).squeeze(-2);
    NDArray denominator = q.mul(k.cumSum(2)).sum(new int[] {-1}, true).maximum(EPS);
    return numerator.div(denominator);
  }

  /**
   * The non-causal form as ONNX, for the sequence length the block was initialised with: the sin
   * and cos weights of the Ptolemy split are constants {@code [N, 1]}, then as {@link #attend}.
   *
   * @throws UnsupportedOperationException for the causal form
   */
  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    if (causal) {
      throw new UnsupportedOperationException(
          "ONNX export: causal CosFormerAttention (prefix sums over tokens) is not supported;"
              + " only the non-causal form used by the vision backbones exports");
    }
    long n = getInputShapes()[0].get(1);
    double[] a = angles(n);
    float[] sin = new float[a.length];
    float[] cos = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      sin[i] = (float) Math.sin(a[i]);
      cos[i] = (float) Math.cos(a[i]);
    }
    String sinW = g.floats(sin, n, 1);
    String cosW = g.floats(cos, n, 1);
    String q = g.op("Relu", onnxHeads(g, qProj, inputs[0]));
    String k = g.op("Relu", onnxHeads(g, kProj, inputs[0]));
    String v = onnxHeads(g, vProj, inputs[0]);
    OnnxGraph.Attr last = OnnxGraph.Attr.of("axis", -1L);
    String qw = g.op("Concat", new String[] {g.op("Mul", q, sinW), g.op("Mul", q, cosW)}, last);
    String kw = g.op("Concat", new String[] {g.op("Mul", k, sinW), g.op("Mul", k, cosW)}, last);
    String kT = g.op("Transpose", new String[] {kw}, OnnxGraph.Attr.ints("perm", 0, 1, 3, 2));
    String kv = g.op("MatMul", kT, v);
    String kSum =
        g.op("ReduceSum", new String[] {kw, g.ints(2)}, OnnxGraph.Attr.of("keepdims", 1L));
    kSum = g.op("Transpose", new String[] {kSum}, OnnxGraph.Attr.ints("perm", 0, 1, 3, 2));
    String denominator = g.op("Max", g.op("MatMul", qw, kSum), g.scalar(EPS));
    String out = g.op("Div", g.op("MatMul", qw, kv), denominator);
    out = g.op("Transpose", new String[] {out}, OnnxGraph.Attr.ints("perm", 0, 2, 1, 3));
    out = g.op("Reshape", out, g.ints(0, 0, dim));
    return new String[] {g.apply(projDrop, g.apply(outProj, out))};
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
    for (Linear projection : new Linear[] {qProj, kProj, vProj, outProj}) {
      projection.initialize(manager, dataType, shapes[0]);
    }
    projDrop.initialize(manager, dataType, shapes[0]);
  }
}
