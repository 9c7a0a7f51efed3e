package org.attnzoo.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.Checks;
import org.attnzoo.nn.Scalars;

/**
 * Efficient additive attention, SwiftFormer (Shaker et al., ICCV 2023), laid out as timm's {@code
 * EfficientAdditiveAttention}: queries and keys are L2-normalised over channels, a learned vector
 * {@code w_g} scores each query token, the scores are scaled by {@code 1/sqrt(C)} and L2-normalised
 * over tokens, and the score-weighted sum of queries is one global query. The output is {@code
 * final(proj(globalQuery * k) + q)}. There is neither an {@code N x N} map nor a value projection,
 * so cost is linear in N.
 *
 * <p>Input and output are tokens {@code [B, N, C]} (SwiftFormer's encoder flattens its map). The
 * mechanism is single-headed as in SwiftFormer; {@link AttentionSpec#numHeads()} is not used.
 */
public class EfficientAdditiveAttention extends AbstractBlock implements OnnxExportable {

  private static final double NORMALIZE_EPS = 1e-12;

  private final long dim;
  private final float scale;
  private final Linear toQuery;
  private final Linear toKey;
  private final Parameter wg;
  private final Linear proj;
  private final Linear finalProj;

  /**
   * @param spec the width; {@code qkvBias} sets the bias of the query and key projections
   */
  public EfficientAdditiveAttention(AttentionSpec spec) {
    this.dim = spec.dim();
    this.scale = (float) (1.0 / Math.sqrt(dim));
    toQuery =
        addChildBlock("to_query", Linear.builder().setUnits(dim).optBias(spec.qkvBias()).build());
    toKey = addChildBlock("to_key", Linear.builder().setUnits(dim).optBias(spec.qkvBias()).build());
    // timm initialises w_g with torch.randn: standard normal.
    wg =
        addParameter(
            Parameter.builder()
                .setName("w_g")
                .setType(Parameter.Type.OTHER)
                .optShape(new Shape(dim, 1))
                .optInitializer(new NormalInitializer(1f))
                .build());
    proj = addChildBlock("proj", Linear.builder().setUnits(dim).build());
    finalProj = addChildBlock("final", Linear.builder().setUnits(dim).build());
  }

  private void check(Shape in) {
    Checks.rank("EfficientAdditiveAttention", in, 3, "[B, N, C]");
    Checks.size("EfficientAdditiveAttention", in, 2, dim, "channels");
  }

  private static NDArray apply(Linear layer, ParameterStore ps, NDArray x, boolean training) {
    return layer.forward(ps, new NDList(x), training).singletonOrThrow();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    check(x.getShape());
    NDArray q = apply(toQuery, ps, x, training).normalize(2, -1, NORMALIZE_EPS);
    NDArray k = apply(toKey, ps, x, training).normalize(2, -1, NORMALIZE_EPS);
    // alpha = q w_g / sqrt(d): one score per token, L2-normalised over the N tokens as in the
    // official code (not a softmax).
    NDArray alpha =
        Scalars.mul(q.matMul(ps.getValue(wg, x.getDevice(), training)), scale)
            .normalize(2, 1, NORMALIZE_EPS);
    // The global query is the alpha-weighted sum of the queries, [B, 1, C].
    NDArray globalQuery = alpha.mul(q).sum(new int[] {1}, true);
    // Its element-wise interaction with every key replaces the N x N map; no value projection.
    NDArray out = apply(proj, ps, globalQuery.mul(k), training).add(q);
    return new NDList(apply(finalProj, ps, out, training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes[0]);
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes[0]);
    for (Linear layer : new Linear[] {toQuery, toKey, proj, finalProj}) {
      layer.initialize(manager, dataType, shapes[0]);
    }
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    String x = inputs[0];
    String q = g.l2Normalize(g.apply(toQuery, x), -1, (float) NORMALIZE_EPS);
    String k = g.l2Normalize(g.apply(toKey, x), -1, (float) NORMALIZE_EPS);
    String alpha =
        g.l2Normalize(
            g.op("Mul", g.op("MatMul", q, g.param(wg)), g.scalar(scale)), 1, (float) NORMALIZE_EPS);
    String globalQuery =
        g.op(
            "ReduceSum",
            new String[] {g.op("Mul", alpha, q), g.ints(1)},
            OnnxGraph.Attr.of("keepdims", 1L));
    String out = g.op("Add", g.apply(proj, g.op("Mul", globalQuery, k)), q);
    return new String[] {g.apply(finalProj, out)};
  }
}
