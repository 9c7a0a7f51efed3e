package org.attnzoo.attention;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.Checks;

/**
 * Transposed (cross-covariance) attention, XCiT (El-Nouby et al., 2021) as used by EdgeNeXt's SDTA
 * encoder (Maaz et al., 2022); laid out as timm's {@code CrossCovarianceAttn}. Per head, queries
 * and keys are L2-normalised along the token axis and the attention map is the {@code d x d}
 * cross-covariance of channels, {@code softmax(tau_h * q^T k)}, so cost is linear in the number of
 * tokens N. Input and output {@code [B, N, C]}; parameter {@code temperature} has timm's shape
 * {@code [heads, 1, 1]}.
 */
public class TransposedAttention extends AbstractBlock implements OnnxExportable {

  private static final double NORMALIZE_EPS = 1e-12;

  private final long dim;
  private final int numHeads;
  private final long headDim;
  private final Parameter temperature;
  private final Linear qkv;
  private final Dropout attnDrop;
  private final Linear proj;
  private final Dropout projDrop;

  /**
   * @param spec width, heads, qkv bias and dropouts
   */
  public TransposedAttention(AttentionSpec spec) {
    this.dim = spec.dim();
    this.numHeads = spec.numHeads();
    this.headDim = spec.headDim();
    // The learnable tau of XCiT eq. (2) replaces the fixed 1/sqrt(d) scale, since q and k are
    // unit vectors.
    temperature =
        addParameter(
            Parameter.builder()
                .setName("temperature")
                .setType(Parameter.Type.OTHER)
                .optShape(new Shape(numHeads, 1, 1))
                .optInitializer(new ConstantInitializer(1f))
                .build());
    qkv = addChildBlock("qkv", Linear.builder().setUnits(3 * dim).optBias(spec.qkvBias()).build());
    attnDrop = addChildBlock("attn_drop", Dropout.builder().optRate(spec.attnDrop()).build());
    proj = addChildBlock("proj", Linear.builder().setUnits(dim).build());
    projDrop = addChildBlock("proj_drop", Dropout.builder().optRate(spec.projDrop()).build());
  }

  private void check(Shape in) {
    Checks.rank("TransposedAttention", in, 3, "[B, N, C]");
    Checks.size("TransposedAttention", in, 2, dim, "channels");
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    check(x.getShape());
    long b = x.getShape().get(0);
    long n = x.getShape().get(1);
    NDArray qkvOut = qkv.forward(ps, new NDList(x), training).singletonOrThrow();
    // [B, N, 3C] -> [3, B, h, d, N]: channels become the attended axis.
    NDArray split = qkvOut.reshape(b, n, 3, numHeads, headDim).transpose(2, 0, 3, 4, 1);
    NDArray q = split.get(0).normalize(2, -1, NORMALIZE_EPS);
    NDArray k = split.get(1).normalize(2, -1, NORMALIZE_EPS);
    NDArray v = split.get(2);
    NDArray tau = ps.getValue(temperature, x.getDevice(), training);
    NDArray attn = q.matMul(k.transpose(0, 1, 3, 2)).mul(tau).softmax(-1);
    attn = attnDrop.forward(ps, new NDList(attn), training).singletonOrThrow();
    NDArray out = attn.matMul(v).transpose(0, 3, 1, 2).reshape(b, n, dim);
    out = proj.forward(ps, new NDList(out), training).singletonOrThrow();
    return projDrop.forward(ps, new NDList(out), training);
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
    attnDrop.initialize(manager, dataType, new Shape(in.get(0), numHeads, headDim, headDim));
    proj.initialize(manager, dataType, in);
    projDrop.initialize(manager, dataType, in);
  }

  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    String fused = g.apply(qkv, inputs[0]);
    // [B, N, h, d] -> [B, h, d, N]: channels become the attended axis.
    String[] heads = FusedQkv.onnxHeads(g, fused, dim, numHeads, 0, 2, 3, 1);
    String q = g.l2Normalize(heads[0], -1, (float) NORMALIZE_EPS);
    String kT =
        g.op(
            "Transpose",
            new String[] {g.l2Normalize(heads[1], -1, (float) NORMALIZE_EPS)},
            OnnxGraph.Attr.ints("perm", 0, 1, 3, 2));
    String logits = g.op("Mul", g.op("MatMul", q, kT), g.param(temperature));
    String attn = g.op("Softmax", new String[] {logits}, OnnxGraph.Attr.of("axis", -1L));
    attn = g.apply(attnDrop, attn);
    String out = g.op("MatMul", attn, heads[2]);
    out = g.op("Transpose", new String[] {out}, OnnxGraph.Attr.ints("perm", 0, 3, 1, 2));
    out = g.op("Reshape", out, g.ints(0, 0, dim));
    return new String[] {g.apply(projDrop, g.apply(proj, out))};
  }
}
