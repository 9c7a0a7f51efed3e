package org.attnzoo.backbones.swin;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.Checks;
import org.attnzoo.nn.LayerNorm;

/**
 * Swin's downsampling between stages (Liu et al., 2021, Sec. 3.1), timm 1.0.29's {@code
 * PatchMerging}: each 2x2 neighbourhood of a channels-last map {@code [B, H, W, C]} is concatenated
 * into {@code 4C} channels, normalised ({@code norm}, LayerNorm over 4C) and projected to {@code
 * outDim} by {@code reduction} (linear, no bias), giving {@code [B, ceil(H/2), ceil(W/2), outDim]}.
 *
 * <p>The concatenation order is timm's: {@code (0,0), (1,0), (0,1), (1,1)} as {@code (row, column)}
 * offsets, i.e. the original {@code x0, x1, x2, x3}. An odd height or width is zero-padded at the
 * end first, as timm does.
 */
public class PatchMerging extends AbstractBlock implements OnnxExportable {

  private static final String NAME = "PatchMerging";

  private final long dim;
  private final long outDim;
  private final LayerNorm norm;
  private final Linear reduction;

  /**
   * @param dim input channels C
   * @param outDim output channels (timm: 2C)
   * @param normEps LayerNorm eps (timm's Swin: 1e-5)
   */
  public PatchMerging(long dim, long outDim, float normEps) {
    Checks.positive("PatchMerging dim", dim);
    Checks.positive("PatchMerging outDim", outDim);
    this.dim = dim;
    this.outDim = outDim;
    norm = addChildBlock("norm", LayerNorm.of(4 * dim, normEps));
    reduction =
        addChildBlock("reduction", Linear.builder().setUnits(outDim).optBias(false).build());
  }

  private void check(Shape in) {
    Checks.rank(NAME, in, 4, "[B, H, W, C]");
    Checks.size(NAME, in, 3, dim, "channels");
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    check(x.getShape());
    long b = x.getShape().get(0);
    long h = (x.getShape().get(1) + 1) / 2;
    long w = (x.getShape().get(2) + 1) / 2;
    x = ShiftedWindows.padEnd(ShiftedWindows.padEnd(x, 1, 2 * h), 2, 2 * w);
    // [B, h, 2(row), w, 2(col), C] -> [B, h, w, col, row, C]: channel blocks x0, x1, x2, x3.
    x = x.reshape(b, h, 2, w, 2, dim).transpose(0, 1, 3, 4, 2, 5).reshape(b, h, w, 4 * dim);
    x = norm.forward(ps, new NDList(x), training).singletonOrThrow();
    return reduction.forward(ps, new NDList(x), training);
  }

  /**
   * As ONNX, for the resolution the block was initialised with: the four neighbours {@code x0..x3}
   * are strided {@code Slice}s concatenated on the channels (rank 4, the same order as the rank-6
   * permutation of the PyTorch path).
   */
  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    Shape in = getInputShapes()[0];
    long h = (in.get(1) + 1) / 2;
    long w = (in.get(2) + 1) / 2;
    String x = ShiftedWindows.onnxPadEnd(g, inputs[0], 2 * h - in.get(1), 2 * w - in.get(2));
    String[] parts = new String[4];
    long[][] offsets = {{0, 0}, {1, 0}, {0, 1}, {1, 1}};
    for (int i = 0; i < 4; i++) {
      parts[i] =
          g.op(
              "Slice",
              x,
              g.ints(offsets[i][0], offsets[i][1]),
              g.ints(2 * h, 2 * w),
              g.ints(1, 2),
              g.ints(2, 2));
    }
    x = g.op("Concat", parts, OnnxGraph.Attr.of("axis", 3L));
    return new String[] {g.apply(reduction, g.apply(norm, x))};
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    check(in);
    return new Shape[] {new Shape(in.get(0), (in.get(1) + 1) / 2, (in.get(2) + 1) / 2, outDim)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
    Shape in = shapes[0];
    check(in);
    Shape merged = new Shape(in.get(0), (in.get(1) + 1) / 2, (in.get(2) + 1) / 2, 4 * dim);
    norm.initialize(manager, dataType, merged);
    reduction.initialize(manager, dataType, merged);
  }
}
