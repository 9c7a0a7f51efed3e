package org.attnzoo.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.Checks;

/**
 * Linear attention with the {@code elu(x) + 1} feature map (Katharopoulos et al., 2020,
 * "Transformers are RNNs"), laid out as fast-transformers' {@code AttentionLayer} around {@code
 * LinearAttention}: separate {@code query_projection}, {@code key_projection}, {@code
 * value_projection}, then per head
 *
 * <pre>
 *   out_i = phi(q_i) (sum_j phi(k_j) v_j^T) / (phi(q_i) . sum_j phi(k_j) + eps),
 * </pre>
 *
 * and {@code out_projection}. There is no softmax and no {@code 1/sqrt(d)} scale. Computing {@code
 * sum_j phi(k_j) v_j^T} first makes the cost {@code O(N d^2)} instead of {@code O(N^2 d)}.
 *
 * <p>The causal form (paper Sec. 3.3.1) restricts the sums to {@code j <= i}: prefix sums over keys
 * and values. The same recurrence run one token at a time is {@link #step}, carrying {@code S = sum
 * phi(k) v^T} and {@code z = sum phi(k)}: autoregressive generation in {@code O(1)} per token
 * (paper Sec. 3.4, "transformers are RNNs").
 */
public class EluLinearAttention extends SeparateProjectionAttention {

  /** Added to the denominator, as fast-transformers' {@code LinearAttention(eps=1e-6)}. */
  public static final float EPS = 1e-6f;

  /**
   * Non-causal (bidirectional) linear attention, the form used in vision backbones.
   *
   * @param spec width, heads, qkv bias and output dropout ({@code attnDrop} has no attention matrix
   *     to act on and is ignored)
   */
  public EluLinearAttention(AttentionSpec spec) {
    this(spec, false);
  }

  /**
   * @param spec width, heads, qkv bias and output dropout
   * @param causal whether token {@code i} only attends to tokens {@code j <= i}
   */
  public EluLinearAttention(AttentionSpec spec, boolean causal) {
    super(
        "EluLinearAttention",
        spec,
        causal,
        "query_projection",
        "key_projection",
        "value_projection",
        "out_projection");
  }

  /**
   * The feature map of the paper, {@code phi(x) = elu(x) + 1}: positive, so the normaliser never
   * vanishes for non-degenerate inputs.
   *
   * @param x any array
   * @return {@code elu(x) + 1}
   */
  public static NDArray featureMap(NDArray x) {
    return Activation.elu(x, 1f).add(1f);
  }

  @Override
  NDArray attendHeads(NDArray q, NDArray k, NDArray v) {
    return causal
        ? causalAttend(featureMap(q), featureMap(k), v)
        : attend(featureMap(q), featureMap(k), v);
  }

  /**
   * Non-causal linear attention on feature-mapped inputs.
   *
   * @param q {@code phi(q)}, {@code [B, h, N, d]}
   * @param k {@code phi(k)}, {@code [B, h, N, d]}
   * @param v values {@code [B, h, N, d]}
   * @return {@code [B, h, N, d]}
   */
  static NDArray attend(NDArray q, NDArray k, NDArray v) {
    NDArray kv = k.transpose(0, 1, 3, 2).matMul(v); // [B, h, d, d] = sum_j phi(k_j) v_j^T
    NDArray kSum = k.sum(new int[] {2}, true); // [B, h, 1, d]
    NDArray denominator = q.matMul(kSum.transpose(0, 1, 3, 2)).add(EPS); // [B, h, N, 1]
    return q.matMul(kv).div(denominator);
  }

  /**
   * Causal linear attention (paper Sec. 3.3.1): both sums run over {@code j <= i}, as prefix sums.
   *
   * @param q {@code phi(q)}, {@code [B, h, N, d]}
   * @param k {@code phi(k)}, {@code [B, h, N, d]}
   * @param v values {@code [B, h, N, d]}
   * @return {@code [B, h, N, d]}
   */
  static NDArray causalAttend(NDArray q, NDArray k, NDArray v) {
    // S_i = sum_{j<=i} phi(k_j) v_j^T: outer products [B, h, N, d, d], cumulated over tokens.
    NDArray s = k.expandDims(-1).matMul(v.expandDims(-2)).cumSum(2);
    NDArray z = k.cumSum(2); // z_i = sum_{j<=i} phi(k_j)
    NDArray numerator = q.expandDims(-2).matMul(s).squeeze(-2);
    NDArray denominator = q.mul(z).sum(new int[] {-1}, true).add(EPS);
    return numerator.div(denominator);
  }

  /**
   * The running state of causal linear attention after some tokens: {@code S = sum phi(k) v^T}
   * ({@code [B, h, d, d]}) and {@code z = sum phi(k)} ({@code [B, h, d]}).
   *
   * @param s sum of key-value outer products
   * @param z sum of feature-mapped keys
   */
  public record State(NDArray s, NDArray z) {}

  /**
   * The result of one step: the output token and the state after it.
   *
   * @param output the output token {@code [B, C]}
   * @param state the state including this token
   */
  public record Step(NDArray output, State state) {}

  /**
   * @param manager where the state lives
   * @param batch batch size
   * @return the state before the first token (all zero)
   */
  public State initialState(NDManager manager, long batch) {
    return new State(
        manager.zeros(new Shape(batch, numHeads, headDim, headDim)),
        manager.zeros(new Shape(batch, numHeads, headDim)));
  }

  /**
   * Processes one token of an autoregressive sequence in {@code O(d^2)} per head, independent of
   * how many tokens came before: the causal form, one row at a time (paper Sec. 3.4). Feeding the
   * tokens of a sequence one by one gives the rows of the causal forward pass.
   *
   * @param ps parameter store
   * @param token the next input token {@code [B, C]}
   * @param state the state after the previous tokens (see {@link #initialState})
   * @return the output token and the updated state
   */
  public Step step(ParameterStore ps, NDArray token, State state) {
    Checks.rank("EluLinearAttention.step", token.getShape(), 2, "[B, C]");
    Checks.size("EluLinearAttention.step", token.getShape(), 1, dim, "channels");
    long b = token.getShape().get(0);
    NDArray x = token.reshape(b, 1, dim);
    // [B, h, 1, d] per token
    NDArray q = featureMap(heads(query, ps, x, false));
    NDArray k = featureMap(heads(key, ps, x, false));
    NDArray v = heads(value, ps, x, false);
    NDArray s = state.s().add(k.transpose(0, 1, 3, 2).matMul(v));
    NDArray z = state.z().add(k.squeeze(2));
    NDArray numerator = q.matMul(s); // [B, h, 1, d]
    NDArray denominator = q.matMul(z.expandDims(-1)).add(EPS); // [B, h, 1, 1]
    NDArray out = numerator.div(denominator).reshape(b, 1, dim);
    out = output.forward(ps, new NDList(out), false).singletonOrThrow();
    return new Step(out.reshape(b, dim), new State(s, z));
  }

  /** The non-causal form: {@code Elu + 1} feature maps and the key-value product first. */
  @Override
  String onnxAttendHeads(OnnxGraph g, String q, String k, String v) {
    q = onnxFeatureMap(g, q);
    k = onnxFeatureMap(g, k);
    String kT = g.op("Transpose", new String[] {k}, OnnxGraph.Attr.ints("perm", 0, 1, 3, 2));
    String kv = g.op("MatMul", kT, v);
    String kSum = g.op("ReduceSum", new String[] {k, g.ints(2)}, OnnxGraph.Attr.of("keepdims", 1L));
    kSum = g.op("Transpose", new String[] {kSum}, OnnxGraph.Attr.ints("perm", 0, 1, 3, 2));
    String denominator = g.op("Add", g.op("MatMul", q, kSum), g.scalar(EPS));
    return g.op("Div", g.op("MatMul", q, kv), denominator);
  }

  private static String onnxFeatureMap(OnnxGraph g, String x) {
    return g.op("Add", g.op("Elu", new String[] {x}, OnnxGraph.Attr.of("alpha", 1f)), g.scalar(1f));
  }
}
