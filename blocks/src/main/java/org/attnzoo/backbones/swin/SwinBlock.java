package org.attnzoo.backbones.swin;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.attnzoo.attention.AttentionSpec;
import org.attnzoo.export.OnnxExportable;
import org.attnzoo.export.OnnxGraph;
import org.attnzoo.nn.Checks;
import org.attnzoo.nn.DropPath;
import org.attnzoo.nn.LayerNorm;
import org.attnzoo.nn.Mlp;

/**
 * A Swin Transformer block (Liu et al., 2021, Eq. 3), timm's {@code SwinTransformerBlock}, on a
 * channels-last map {@code [B, H, W, C]} of a fixed resolution: {@code x +
 * drop_path(W-MSA(norm1(x)))} or, when shifted, the same with SW-MSA (cyclic shift by {@code
 * -shift}, window attention with the shifted-window mask, shift back); then {@code x +
 * drop_path(mlp(norm2(x)))}.
 *
 * <p>As in timm, on an axis whose resolution is not larger than the window the window shrinks to
 * the resolution and that axis is not shifted (one window already sees everything). When the
 * resolution is not a multiple of the window, the (shifted) map is zero-padded at its bottom and
 * right to whole windows before the partition and cropped after, exactly as timm does: padded
 * tokens are attended to (they carry only the bias of the key projection) and the shifted-window
 * mask is computed on the padded map.
 */
public class SwinBlock extends AbstractBlock implements OnnxExportable {

  private static final String NAME = "SwinBlock";

  private final long dim;
  private final int height;
  private final int width;
  private final int windowH;
  private final int windowW;
  private final int shiftH;
  private final int shiftW;
  private final int paddedH;
  private final int paddedW;
  private final float[] attnMask;
  private final LayerNorm norm1;
  private final WindowAttention attn;
  private final DropPath dropPath1;
  private final LayerNorm norm2;
  private final Mlp mlp;
  private final DropPath dropPath2;

  /**
   * @param spec width, heads, qkv bias and dropouts of the attention (projDrop also drops in the
   *     MLP)
   * @param height input height in tokens
   * @param width input width in tokens
   * @param windowSize target side of the square window (shrinks to a smaller resolution)
   * @param shiftSize target cyclic shift (0 for W-MSA, usually windowSize / 2 for SW-MSA)
   * @param mlpRatio MLP hidden width relative to the channels
   * @param dropPath stochastic-depth rate
   * @param normEps LayerNorm eps (timm's Swin: 1e-5)
   */
  public SwinBlock(
      AttentionSpec spec,
      int height,
      int width,
      int windowSize,
      int shiftSize,
      double mlpRatio,
      float dropPath,
      float normEps) {
    Checks.positive("SwinBlock height", height);
    Checks.positive("SwinBlock width", width);
    Checks.positive("windowSize", windowSize);
    if (shiftSize < 0 || shiftSize >= windowSize) {
      throw new IllegalArgumentException(
          "shiftSize must be in [0, windowSize " + windowSize + "), got " + shiftSize);
    }
    this.dim = spec.dim();
    this.height = height;
    this.width = width;
    this.windowH = Math.min(height, windowSize);
    this.windowW = Math.min(width, windowSize);
    this.shiftH = height <= windowH ? 0 : shiftSize;
    this.shiftW = width <= windowW ? 0 : shiftSize;
    this.paddedH = ceilTo(height, windowH);
    this.paddedW = ceilTo(width, windowW);
    this.attnMask =
        shiftH > 0 || shiftW > 0
            ? ShiftedWindows.attentionMask(paddedH, paddedW, windowH, windowW, shiftH, shiftW)
            : null;
    norm1 = addChildBlock("norm1", LayerNorm.of(dim, normEps));
    attn = addChildBlock("attn", new WindowAttention(spec, windowH, windowW));
    dropPath1 = addChildBlock("drop_path1", new DropPath(dropPath));
    norm2 = addChildBlock("norm2", LayerNorm.of(dim, normEps));
    mlp = addChildBlock("mlp", new Mlp(dim, (long) (dim * mlpRatio), dim, spec.projDrop()));
    dropPath2 = addChildBlock("drop_path2", new DropPath(dropPath));
  }

  private static int ceilTo(int n, int multiple) {
    return (n + multiple - 1) / multiple * multiple;
  }

  private void check(Shape in) {
    Checks.rank(NAME, in, 4, "[B, H, W, C]");
    if (in.get(1) != height || in.get(2) != width) {
      throw new IllegalArgumentException(
          String.format(
              "%s expects a %dx%d map (its window layout and mask are built for it), got %dx%d"
                  + " (input shape %s)",
              NAME, height, width, in.get(1), in.get(2), in));
    }
    Checks.size(NAME, in, 3, dim, "channels");
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    check(x.getShape());
    NDArray y = norm1.forward(ps, new NDList(x), training).singletonOrThrow();
    y = windowAttention(ps, y, training);
    x = x.add(dropPath1.forward(ps, new NDList(y), training).singletonOrThrow());
    y = norm2.forward(ps, new NDList(x), training).singletonOrThrow();
    y = mlp.forward(ps, new NDList(y), training).singletonOrThrow();
    return new NDList(x.add(dropPath2.forward(ps, new NDList(y), training).singletonOrThrow()));
  }

  /** (S)W-MSA on {@code [B, H, W, C]}: shift, pad, partition, attend, reverse, crop, unshift. */
  private NDArray windowAttention(ParameterStore ps, NDArray x, boolean training) {
    NDArray shifted = ShiftedWindows.roll(ShiftedWindows.roll(x, 1, -shiftH), 2, -shiftW);
    shifted = ShiftedWindows.padEnd(ShiftedWindows.padEnd(shifted, 1, paddedH), 2, paddedW);
    NDList attnIn = new NDList(ShiftedWindows.partition(shifted, windowH, windowW));
    if (attnMask != null) {
      int n = windowH * windowW;
      long windows = (long) (paddedH / windowH) * (paddedW / windowW);
      NDArray mask = x.getManager().create(attnMask, new Shape(windows, n, n));
      attnIn.add(mask.toType(x.getDataType(), false).toDevice(x.getDevice(), false));
    }
    NDArray out = attn.forward(ps, attnIn, training).singletonOrThrow();
    out = ShiftedWindows.reverse(out, windowH, windowW, paddedH, paddedW);
    if (paddedH != height || paddedW != width) {
      out = out.get(new NDIndex(":, :{}, :{}, :", height, width));
    }
    return ShiftedWindows.roll(ShiftedWindows.roll(out, 1, shiftH), 2, shiftW);
  }

  /**
   * As ONNX: the cyclic shifts are {@code Slice + Concat}, the padding one {@code Pad}, the window
   * partition and reverse rank-4 {@code Reshape/Transpose}, the shifted-window mask a constant.
   */
  @Override
  public String[] toOnnx(OnnxGraph g, String[] inputs) {
    String x = inputs[0];
    String y = g.apply(norm1, x);
    y = g.apply(dropPath1, onnxWindowAttention(g, y));
    x = g.op("Add", x, y);
    y = g.apply(dropPath2, g.apply(mlp, g.apply(norm2, x)));
    return new String[] {g.op("Add", x, y)};
  }

  private String onnxWindowAttention(OnnxGraph g, String x) {
    String shifted = ShiftedWindows.onnxRoll(g, x, 1, height, -shiftH);
    shifted = ShiftedWindows.onnxRoll(g, shifted, 2, width, -shiftW);
    shifted = ShiftedWindows.onnxPadEnd(g, shifted, paddedH - height, paddedW - width);
    String windows =
        ShiftedWindows.onnxPartition(g, shifted, paddedH, paddedW, dim, windowH, windowW);
    String out;
    if (attnMask != null) {
      long n = (long) windowH * windowW;
      long nw = (long) (paddedH / windowH) * (paddedW / windowW);
      out = g.block(attn, windows, g.floats(attnMask, nw, n, n))[0];
    } else {
      out = g.apply(attn, windows);
    }
    out = ShiftedWindows.onnxReverse(g, out, paddedH, paddedW, dim, windowH, windowW);
    if (paddedH != height || paddedW != width) {
      out = g.op("Slice", out, g.ints(0, 0), g.ints(height, width), g.ints(1, 2));
    }
    out = ShiftedWindows.onnxRoll(g, out, 1, height, shiftH);
    return ShiftedWindows.onnxRoll(g, out, 2, width, shiftW);
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
    norm1.initialize(manager, dataType, in);
    long windows = in.get(0) * (paddedH / windowH) * (paddedW / windowW);
    attn.initialize(manager, dataType, new Shape(windows, (long) windowH * windowW, dim));
    dropPath1.initialize(manager, dataType, in);
    norm2.initialize(manager, dataType, in);
    mlp.initialize(manager, dataType, in);
    dropPath2.initialize(manager, dataType, in);
  }

  /**
   * @return the effective window {@code {height, width}} after shrinking to the resolution
   */
  public int[] getWindowSize() {
    return new int[] {windowH, windowW};
  }

  /**
   * @return the effective cyclic shift {@code {vertical, horizontal}}
   */
  public int[] getShiftSize() {
    return new int[] {shiftH, shiftW};
  }
}
