package org.attnzoo.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.Scalars;

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
public class CosFormerAttention extends SeparateProjectionAttention {

  /** Lower clamp of the denominator, as the official {@code forward(eps=1e-6)}. */
  public static final float EPS = 1e-6f;

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
    super("CosFormerAttention", spec, causal, "q_proj", "k_proj", "v_proj", "out_proj");
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

  /**
   * The sin and cos of {@link #angles} in float32, the precision of the official weights.
   *
   * @return {sin, cos}, each of length {@code n}
   */
  private static float[][] reweighting(long n) {
    double[] a = angles(n);
    float[] sin = new float[a.length];
    float[] cos = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      sin[i] = (float) Math.sin(a[i]);
      cos[i] = (float) Math.cos(a[i]);
    }
    return new float[][] {sin, cos};
  }

  @Override
  NDArray attendHeads(NDArray q, NDArray k, NDArray v) {
    q = Activation.relu(q);
    k = Activation.relu(k);
    long n = q.getShape().get(2);
    float[][] w = reweighting(n);
    NDManager m = q.getManager();
    NDArray sinW = m.create(w[0], new Shape(n, 1)).toType(q.getDataType(), false);
    NDArray cosW = m.create(w[1], new Shape(n, 1)).toType(q.getDataType(), false);
    // Ptolemy: q'_i . k'_j = (q_i . k_j) cos(a_i - a_j), with q' = [q sin a, q cos a].
    NDArray qw = NDArrays.concat(new NDList(q.mul(sinW), q.mul(cosW)), -1);
    NDArray kw = NDArrays.concat(new NDList(k.mul(sinW), k.mul(cosW)), -1);
    return causal ? causalAttend(qw, kw, v) : attend(qw, kw, v);
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
    NDArray denominator = Scalars.maximum(q.matMul(kSum), EPS); // [B, h, N, 1]
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
    NDArray denominator = Scalars.maximum(q.mul(k.cumSum(2)).sum(new int[] {-1}, true), EPS);
    return numerator.div(denominator);
  }

  /**
   * The non-causal form for the sequence length the block was initialised with: the sin and cos
   * weights of the Ptolemy split are constants {@code [N, 1]}, then as {@link #attend}.
   */
  @Override
  String onnxAttendHeads(OnnxGraph g, String q, String k, String v) {
    long n = getInputShapes()[0].get(1);
    float[][] w = reweighting(n);
    String sinW = g.floats(w[0], n, 1);
    String cosW = g.floats(w[1], n, 1);
    q = g.op("Relu", q);
    k = g.op("Relu", k);
    OnnxGraph.Attr last = OnnxGraph.Attr.of("axis", -1L);
    String qw = g.op("Concat", new String[] {g.op("Mul", q, sinW), g.op("Mul", q, cosW)}, last);
    String kw = g.op("Concat", new String[] {g.op("Mul", k, sinW), g.op("Mul", k, cosW)}, last);
    String kT = g.op("Transpose", new String[] {kw}, OnnxGraph.Attr.ints("perm", 0, 1, 3, 2));
    String kv = g.op("MatMul", kT, v);
    String kSum =
        g.op("ReduceSum", new String[] {kw, g.ints(2)}, OnnxGraph.Attr.of("keepdims", 1L));
    kSum = g.op("Transpose", new String[] {kSum}, OnnxGraph.Attr.ints("perm", 0, 1, 3, 2));
    String denominator = g.op("Max", g.op("MatMul", qw, kSum), g.scalar(EPS));
    return g.op("Div", g.op("MatMul", qw, kv), denominator);
  }
}
