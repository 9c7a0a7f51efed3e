package org.attnzoo.backbones.swin;

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
import ai.djl.util.PairList;
import org.attnzoo.attention.AttentionSpec;
import org.attnzoo.attention.FusedQkv;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.Checks;
import org.attnzoo.nn.Scalars;
import org.attnzoo.nn.Scopes;
import org.attnzoo.nn.TimmInit;

/**
 * Window multi-head self-attention with relative position bias (Liu et al., 2021, Eq. 4), timm's
 * {@code WindowAttention}: {@code softmax(q k^T / sqrt(d) + B + mask) v} inside each {@code Wh x
 * Ww} window, where {@code B} is gathered from a learned table of {@code (2Wh-1)(2Ww-1) x heads}
 * biases, one per relative offset.
 *
 * <p>Inputs: the windows {@code [B * nW, Wh * Ww, C]} (the {@code nW} windows of one image
 * consecutive) and optionally an additive mask {@code [nW, Wh * Ww, Wh * Ww]} that is added to
 * every head of the matching window (see {@link ShiftedWindows#attentionMask}). Output: {@code [B *
 * nW, Wh * Ww, C]}.
 *
 * <p>The relative-position index that maps each token pair to a table row is a constant derived
 * from the window size (non-persistent in timm), so it is not a parameter.
 */
public class WindowAttention extends AbstractBlock implements OnnxExportable {

  private static final String NAME = "WindowAttention";

  private final long dim;
  private final int numHeads;
  private final int windowH;
  private final int windowW;
  private final int area;
  private final float scale;
  private final long[] relativePositionIndex;
  private final Parameter relativePositionBiasTable;
  private final Linear qkv;
  private final Dropout attnDrop;
  private final Linear proj;
  private final Dropout projDrop;

  /**
   * @param spec width, heads, qkv bias and dropouts
   * @param windowH window height in tokens
   * @param windowW window width in tokens
   */
  public WindowAttention(AttentionSpec spec, int windowH, int windowW) {
    Checks.positive("window height", windowH);
    Checks.positive("window width", windowW);
    this.dim = spec.dim();
    this.numHeads = spec.numHeads();
    this.windowH = windowH;
    this.windowW = windowW;
    this.area = windowH * windowW;
    this.scale = (float) (1.0 / Math.sqrt(spec.headDim()));
    this.relativePositionIndex = relativePositionIndex(windowH, windowW);
    relativePositionBiasTable =
        addParameter(
            Parameter.builder()
                .setName("relative_position_bias_table")
                .setType(Parameter.Type.OTHER)
                .optShape(new Shape((2L * windowH - 1) * (2L * windowW - 1), numHeads))
                // timm WindowAttention.reset_parameters: trunc_normal_(std=.02).
                .optInitializer(TimmInit.truncNormal(TimmInit.STD))
                .build());
    qkv = addChildBlock("qkv", Linear.builder().setUnits(3 * dim).optBias(spec.qkvBias()).build());
    attnDrop = addChildBlock("attn_drop", Dropout.builder().optRate(spec.attnDrop()).build());
    proj = addChildBlock("proj", Linear.builder().setUnits(dim).build());
    projDrop = addChildBlock("proj_drop", Dropout.builder().optRate(spec.projDrop()).build());
  }

  /**
   * The table row of every token pair of a window: tokens {@code i = (yi, xi)} and {@code j = (yj,
   * xj)} in row-major order share the row {@code (yi - yj + Wh - 1) (2Ww - 1) + (xi - xj + Ww - 1)}
   * (timm's {@code get_relative_position_index}).
   *
   * @param windowH window height
   * @param windowW window width
   * @return {@code (Wh Ww)^2} row indices, row-major over {@code (i, j)}
   */
  public static long[] relativePositionIndex(int windowH, int windowW) {
    int n = windowH * windowW;
    long[] index = new long[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        long dy = i / windowW - j / windowW + windowH - 1;
        long dx = i % windowW - j % windowW + windowW - 1;
        index[i * n + j] = dy * (2L * windowW - 1) + dx;
      }
    }
    return index;
  }

  private void check(Shape[] shapes) {
    Shape in = shapes[0];
    Checks.rank(NAME, in, 3, "[B * nW, Wh * Ww, C]");
    Checks.size(NAME, in, 1, area, "tokens per " + windowH + "x" + windowW + " window");
    Checks.size(NAME, in, 2, dim, "channels");
    if (shapes.length > 1) {
      Shape mask = shapes[1];
      Checks.rank(NAME + " mask", mask, 3, "[nW, Wh * Ww, Wh * Ww]");
      Checks.size(NAME + " mask", mask, 1, area, "query tokens");
      Checks.size(NAME + " mask", mask, 2, area, "key tokens");
      if (mask.get(0) <= 0 || in.get(0) % mask.get(0) != 0) {
        throw new IllegalArgumentException(
            String.format(
                "%s expects the number of windows %d (input shape %s) to be a multiple of the"
                    + " mask's %d windows (mask shape %s)",
                NAME, in.get(0), in, mask.get(0), mask));
      }
    }
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    check(inputs.getShapes());
    NDArray x = inputs.get(0);
    long windows = x.getShape().get(0);
    NDArray qkvOut = qkv.forward(ps, new NDList(x), training).singletonOrThrow();
    // [B_, N, 3C] -> [3, B_, h, N, d]: the channel layout is (q|k|v) x heads x d, as in timm.
    NDArray split = qkvOut.reshape(windows, area, 3, numHeads, -1).transpose(2, 0, 3, 1, 4);
    NDArray q = Scalars.mul(split.get(0), scale);
    NDArray attn = q.matMul(split.get(1).transpose(0, 1, 3, 2));
    attn = attn.add(relativePositionBias(ps, x, training));
    if (inputs.size() > 1) {
      NDArray mask = inputs.get(1);
      long nw = mask.getShape().get(0);
      // The mask of window w applies to window w of every image, for every head.
      attn =
          attn.reshape(windows / nw, nw, numHeads, area, area)
              .add(mask.reshape(1, nw, 1, area, area))
              .reshape(windows, numHeads, area, area);
    }
    attn = attnDrop.forward(ps, new NDList(attn.softmax(-1)), training).singletonOrThrow();
    NDArray out = attn.matMul(split.get(2)).transpose(0, 2, 1, 3).reshape(windows, area, dim);
    out = proj.forward(ps, new NDList(out), training).singletonOrThrow();
    return projDrop.forward(ps, new NDList(out), training);
  }

  /** The bias {@code B} of Eq. 4 for every head and token pair: {@code [1, h, N, N]}. */
  private NDArray relativePositionBias(ParameterStore ps, NDArray x, boolean training) {
    NDArray table = ps.getValue(relativePositionBiasTable, x.getDevice(), training);
    NDArray index = x.getManager().create(relativePositionIndex).toDevice(x.getDevice(), false);
    // A view of the table in this call's scope, so that the gathered bias is freed with it.
    NDArray scoped = Scopes.withInput(table.reshape(table.getShape()), x);
    return scoped.get(index).reshape(area, area, numHeads).transpose(2, 0, 1).expandDims(0);
  }

  /**
   * As ONNX. Inputs: the windows and optionally the mask {@code [nW, N, N]} (a constant). The bias
   * {@code B} is a {@code Gather} of the table parameter with the constant relative-position index.
   * The mask is added on a rank-4 view {@code [B, nW, h, N N]} of the logits, so no tensor exceeds
   * rank 4.
   */
  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    String fused = g.apply(qkv, inputs[0]);
    String[] heads = FusedQkv.onnxHeads(g, fused, dim, numHeads, 0, 2, 1, 3);
    String q = g.op("Mul", heads[0], g.scalar(scale));
    String kT = g.op("Transpose", new String[] {heads[1]}, OnnxGraph.Attr.ints("perm", 0, 1, 3, 2));
    String attn = g.op("MatMul", q, kT);
    String bias =
        g.op(
            "Gather",
            new String[] {g.param(relativePositionBiasTable), g.ints(relativePositionIndex)},
            OnnxGraph.Attr.of("axis", 0L));
    bias = g.op("Reshape", bias, g.ints(area, area, numHeads));
    bias = g.op("Transpose", new String[] {bias}, OnnxGraph.Attr.ints("perm", 2, 0, 1));
    attn = g.op("Add", attn, g.op("Reshape", bias, g.ints(1, numHeads, area, area)));
    if (inputs.length > 1) {
      String mask = inputs[1];
      // [nW, N, N] -> [nW, 1, N N], added to every image and head of [B, nW, h, N N].
      String nw = g.op("Slice", g.op("Shape", mask), g.ints(0), g.ints(1), g.ints(0));
      String view =
          g.op(
              "Concat",
              new String[] {g.ints(-1), nw, g.ints(numHeads, (long) area * area)},
              OnnxGraph.Attr.of("axis", 0L));
      String m = g.op("Reshape", mask, g.ints(0, 1, (long) area * area));
      attn = g.op("Add", g.op("Reshape", attn, view), m);
      attn = g.op("Reshape", attn, g.ints(-1, numHeads, area, area));
    }
    attn = g.op("Softmax", new String[] {attn}, OnnxGraph.Attr.of("axis", -1L));
    attn = g.apply(attnDrop, attn);
    String out = g.op("MatMul", attn, heads[2]);
    out = g.op("Transpose", new String[] {out}, OnnxGraph.Attr.ints("perm", 0, 2, 1, 3));
    out = g.op("Reshape", out, g.ints(0, 0, dim));
    return new String[] {g.apply(projDrop, g.apply(proj, out))};
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    check(inputShapes);
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    check(shapes);
    Shape in = shapes[0];
    qkv.initialize(manager, dataType, in);
    attnDrop.initialize(manager, dataType, new Shape(in.get(0), numHeads, area, area));
    proj.initialize(manager, dataType, in);
    projDrop.initialize(manager, dataType, in);
  }

  /**
   * @return the window height in tokens
   */
  public int getWindowH() {
    return windowH;
  }

  /**
   * @return the window width in tokens
   */
  public int getWindowW() {
    return windowW;
  }
}
