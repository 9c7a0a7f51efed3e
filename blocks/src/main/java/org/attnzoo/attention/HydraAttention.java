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
 * Hydra attention (Bolya et al., 2022, "Hydra Attention: Efficient Attention with Many Heads"),
 * laid out as the paper's code listing: a fused {@code qkv} projection, then
 *
 * <pre>
 *   q, k = q / ||q||, k / ||k||   (L2 over the channels of each token)
 *   out  = q * sum_t (k_t * v_t)  (element-wise)
 * </pre>
 *
 * and an output projection {@code out}. It is multi-head linear attention with the cosine-
 * similarity kernel taken to as many heads as channels ({@code H = C}, the paper's "Hydra trick"):
 * each head has width 1, so the {@code d x d} key-value product per head shrinks to a single number
 * per channel, a global feature that every token gates with its query. Cost {@code O(N C)}. The
 * spec's head count is therefore not used.
 *
 * <p>Unlike the paper's listing the normalisation divides by {@code max(||x||, 1e-12)} (as {@code
 * torch.nn.functional.normalize}), so an all-zero query or key gives zero rather than NaN; for any
 * non-degenerate vector the two agree.
 */
public class HydraAttention extends AbstractBlock implements OnnxExportable {

  /** Lower bound of the L2 norm in the q and k normalisation. */
  public static final float EPS = 1e-12f;

  private final long dim;
  private final Linear qkv;
  private final Linear out;
  private final Dropout projDrop;

  /**
   * @param spec width, qkv bias and output dropout (heads are the channels, so {@code numHeads} and
   *     {@code attnDrop} are not used)
   */
  public HydraAttention(AttentionSpec spec) {
    this.dim = spec.dim();
    qkv = addChildBlock("qkv", Linear.builder().setUnits(3 * dim).optBias(spec.qkvBias()).build());
    out = addChildBlock("out", Linear.builder().setUnits(dim).build());
    projDrop = addChildBlock("proj_drop", Dropout.builder().optRate(spec.projDrop()).build());
  }

  /**
   * L2-normalises the last axis: {@code x / max(||x||, EPS)}. The norm is taken as {@code
   * sqrt(max(sum x^2, EPS^2))} so that the backward pass never meets {@code sqrt'(0)}.
   *
   * @param x any array
   * @return the normalised array
   */
  static NDArray l2Normalize(NDArray x) {
    NDArray squared = x.square().sum(new int[] {-1}, true);
    return x.div(Scalars.maximum(squared, EPS * EPS).sqrt());
  }

  private void check(Shape in) {
    Checks.rank("HydraAttention", in, 3, "[B, N, C]");
    Checks.size("HydraAttention", in, 2, dim, "channels");
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    check(x.getShape());
    NDList qkvList = qkv.forward(ps, new NDList(x), training).singletonOrThrow().split(3, 2);
    NDArray q = l2Normalize(qkvList.get(0));
    NDArray k = l2Normalize(qkvList.get(1));
    NDArray global = k.mul(qkvList.get(2)).sum(new int[] {1}, true); // [B, 1, C]
    NDArray y = out.forward(ps, new NDList(q.mul(global)), training).singletonOrThrow();
    return projDrop.forward(ps, new NDList(y), training);
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    String fused = g.apply(qkv, inputs[0]);
    String[] parts = FusedQkv.onnxSplit(g, fused, dim);
    String q = onnxL2Normalize(g, parts[0]);
    String k = onnxL2Normalize(g, parts[1]);
    String global =
        g.op(
            "ReduceSum",
            new String[] {g.op("Mul", k, parts[2]), g.ints(1)},
            OnnxGraph.Attr.of("keepdims", 1L));
    return new String[] {g.apply(projDrop, g.apply(out, g.op("Mul", q, global)))};
  }

  /** {@link #l2Normalize} as ONNX. */
  private static String onnxL2Normalize(OnnxGraph g, String x) {
    String squared =
        g.op(
            "ReduceSum",
            new String[] {g.op("Mul", x, x), g.ints(-1)},
            OnnxGraph.Attr.of("keepdims", 1L));
    return g.op("Div", x, g.op("Sqrt", g.op("Max", squared, g.scalar(EPS * EPS))));
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
    out.initialize(manager, dataType, shapes[0]);
    projDrop.initialize(manager, dataType, shapes[0]);
  }
}
