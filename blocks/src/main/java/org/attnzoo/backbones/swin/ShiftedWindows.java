package org.attnzoo.backbones.swin;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import org.attnzoo.export.OnnxGraph;

/**
 * The tensor plumbing of shifted-window attention (Liu et al., 2021, Sec. 3.2) on channels-last
 * maps {@code [B, H, W, C]}: window partition and reverse, the cyclic shift, zero padding to whole
 * windows, and the attention mask of the shifted windows. Everything is built from reshapes,
 * transposes, slices and concatenations (no {@code roll}, no {@code pad} operator) so that it
 * exports to ONNX as plain tensor ops.
 */
public final class ShiftedWindows {

  /** The additive mask value between tokens of different regions, as timm (not -inf). */
  public static final float MASK_VALUE = -100f;

  private ShiftedWindows() {}

  /**
   * Splits a map into non-overlapping windows (timm's {@code window_partition}, flattened).
   *
   * @param x {@code [B, H, W, C]} with H and W multiples of the window
   * @param windowH window height
   * @param windowW window width
   * @return {@code [B * nW, Wh * Ww, C]}, windows row-major within each image, images consecutive
   */
  public static NDArray partition(NDArray x, int windowH, int windowW) {
    long b = x.getShape().get(0);
    long h = x.getShape().get(1);
    long w = x.getShape().get(2);
    long c = x.getShape().get(3);
    return x.reshape(b, h / windowH, windowH, w / windowW, windowW, c)
        .transpose(0, 1, 3, 2, 4, 5)
        .reshape(-1, (long) windowH * windowW, c);
  }

  /**
   * The inverse of {@link #partition} (timm's {@code window_reverse}).
   *
   * @param windows {@code [B * nW, Wh * Ww, C]}
   * @param windowH window height
   * @param windowW window width
   * @param h map height (a multiple of windowH)
   * @param w map width (a multiple of windowW)
   * @return {@code [B, H, W, C]}
   */
  public static NDArray reverse(NDArray windows, int windowH, int windowW, long h, long w) {
    long c = windows.getShape().get(2);
    return windows
        .reshape(-1, h / windowH, w / windowW, windowH, windowW, c)
        .transpose(0, 1, 3, 2, 4, 5)
        .reshape(-1, h, w, c);
  }

  /**
   * Cyclically shifts a map along one axis, {@code torch.roll(x, shift, axis)}, as two slices and a
   * concatenation.
   *
   * @param x the array
   * @param axis the axis
   * @param shift positive: towards higher indices; negative: towards lower ones
   * @return the shifted array
   */
  public static NDArray roll(NDArray x, int axis, long shift) {
    long n = x.getShape().get(axis);
    long s = Math.floorMod(shift, n);
    if (s == 0) {
      return x;
    }
    NDArray tail = x.get(axisSlice(x, axis, n - s, n));
    NDArray head = x.get(axisSlice(x, axis, 0, n - s));
    return NDArrays.concat(new NDList(tail, head), axis);
  }

  /**
   * Appends zeros after the end of {@code axis} so that its size becomes {@code size}.
   *
   * @param x the array
   * @param axis the axis
   * @param size the new size (at least the current one)
   * @return the padded array, or {@code x} itself if nothing is missing
   */
  public static NDArray padEnd(NDArray x, int axis, long size) {
    long missing = size - x.getShape().get(axis);
    if (missing <= 0) {
      return x;
    }
    long[] dims = x.getShape().getShape().clone();
    dims[axis] = missing;
    NDArray zeros = x.getManager().zeros(new ai.djl.ndarray.types.Shape(dims), x.getDataType());
    return NDArrays.concat(new NDList(x, zeros.toDevice(x.getDevice(), false)), axis);
  }

  private static NDIndex axisSlice(NDArray x, int axis, long from, long to) {
    NDIndex index = new NDIndex();
    for (int a = 0; a < x.getShape().dimension(); a++) {
      if (a == axis) {
        index.addSliceDim(from, to);
      } else {
        index.addAllDim();
      }
    }
    return index;
  }

  /**
   * The attention mask of shifted windows (Liu et al., 2021, Fig. 4), with timm's region labels and
   * mask value: after the cyclic shift by {@code (shiftH, shiftW)} of a map padded to {@code hp x
   * wp}, each axis splits into the regions {@code [0, -window)}, {@code [-window, -shift)} and
   * {@code [-shift, end)} (Python slices); tokens of different regions in the same window must not
   * attend to each other and get {@link #MASK_VALUE}, others 0.
   *
   * @param hp padded map height, a multiple of windowH
   * @param wp padded map width, a multiple of windowW
   * @param windowH window height
   * @param windowW window width
   * @param shiftH vertical shift (0: none)
   * @param shiftW horizontal shift (0: none)
   * @return {@code [nW, N, N]} row-major, {@code nW = (hp / Wh)(wp / Ww)}, {@code N = Wh Ww}
   */
  public static float[] attentionMask(
      int hp, int wp, int windowH, int windowW, int shiftH, int shiftW) {
    int[] labels = new int[hp * wp];
    int count = 0;
    Integer[][] rows = regions(windowH, shiftH);
    Integer[][] cols = regions(windowW, shiftW);
    for (Integer[] r : rows) {
      for (Integer[] c : cols) {
        int r0 = pythonIndex(r[0], hp, 0);
        int r1 = pythonIndex(r[1], hp, hp);
        int c0 = pythonIndex(c[0], wp, 0);
        int c1 = pythonIndex(c[1], wp, wp);
        for (int y = r0; y < r1; y++) {
          for (int x = c0; x < c1; x++) {
            labels[y * wp + x] = count;
          }
        }
        count++;
      }
    }
    int nwH = hp / windowH;
    int nwW = wp / windowW;
    int n = windowH * windowW;
    float[] mask = new float[nwH * nwW * n * n];
    for (int wy = 0; wy < nwH; wy++) {
      for (int wx = 0; wx < nwW; wx++) {
        int base = (wy * nwW + wx) * n * n;
        for (int i = 0; i < n; i++) {
          int li = labels[(wy * windowH + i / windowW) * wp + wx * windowW + i % windowW];
          for (int j = 0; j < n; j++) {
            int lj = labels[(wy * windowH + j / windowW) * wp + wx * windowW + j % windowW];
            mask[base + i * n + j] = li == lj ? 0f : MASK_VALUE;
          }
        }
      }
    }
    return mask;
  }

  /**
   * {@link #roll} as ONNX: two {@code Slice}s and a {@code Concat} (no {@code Roll} op).
   *
   * @param g the graph
   * @param x the value
   * @param axis the axis (not the batch axis)
   * @param size the static size of that axis
   * @param shift as {@link #roll}
   * @return the shifted value
   */
  public static String onnxRoll(OnnxGraph g, String x, int axis, long size, long shift) {
    long s = Math.floorMod(shift, size);
    if (s == 0) {
      return x;
    }
    String tail = g.op("Slice", x, g.ints(size - s), g.ints(size), g.ints(axis));
    String head = g.op("Slice", x, g.ints(0), g.ints(size - s), g.ints(axis));
    return g.op("Concat", new String[] {tail, head}, OnnxGraph.Attr.of("axis", (long) axis));
  }

  /**
   * Zero-pads the end of axes 1 and 2 of a {@code [B, H, W, C]} value (the {@link #padEnd} of both
   * spatial axes) with one constant-mode {@code Pad}.
   *
   * @param g the graph
   * @param x {@code [B, H, W, C]}
   * @param padH rows to append
   * @param padW columns to append
   * @return {@code [B, H + padH, W + padW, C]}, or {@code x} if nothing is missing
   */
  public static String onnxPadEnd(OnnxGraph g, String x, long padH, long padW) {
    if (padH <= 0 && padW <= 0) {
      return x;
    }
    return g.op("Pad", x, g.ints(0, 0, 0, 0, 0, padH, padW, 0));
  }

  /**
   * {@link #partition} as ONNX with no tensor above rank 4: {@code [B, H, W, C]} is viewed as
   * {@code [B nH, Wh, nW, Ww C]}, the window-row and window-column axes are swapped, and the result
   * flattened to {@code [B nH nW, Wh Ww, C]}; the order equals timm's rank-6 permutation.
   *
   * @param g the graph
   * @param x {@code [B, H, W, C]} with H, W multiples of the window
   * @param h H
   * @param w W
   * @param c C
   * @param windowH window height
   * @param windowW window width
   * @return {@code [B * nW, Wh * Ww, C]}
   */
  public static String onnxPartition(
      OnnxGraph g, String x, long h, long w, long c, int windowH, int windowW) {
    String r = g.op("Reshape", x, g.ints(-1, windowH, w / windowW, windowW * c));
    r = g.op("Transpose", new String[] {r}, OnnxGraph.Attr.ints("perm", 0, 2, 1, 3));
    return g.op("Reshape", r, g.ints(-1, (long) windowH * windowW, c));
  }

  /**
   * {@link #reverse} as ONNX, the inverse of {@link #onnxPartition} (rank at most 4).
   *
   * @param g the graph
   * @param windows {@code [B * nW, Wh * Ww, C]}
   * @param h map height (a multiple of windowH)
   * @param w map width (a multiple of windowW)
   * @param c C
   * @param windowH window height
   * @param windowW window width
   * @return {@code [B, H, W, C]}
   */
  public static String onnxReverse(
      OnnxGraph g, String windows, long h, long w, long c, int windowH, int windowW) {
    String r = g.op("Reshape", windows, g.ints(-1, w / windowW, windowH, windowW * c));
    r = g.op("Transpose", new String[] {r}, OnnxGraph.Attr.ints("perm", 0, 2, 1, 3));
    return g.op("Reshape", r, g.ints(-1, h, w, c));
  }

  /** timm's slices {@code (0, -window), (-window, -shift), (-shift, None)}; null is None. */
  private static Integer[][] regions(int window, int shift) {
    return new Integer[][] {{0, -window}, {-window, -shift}, {-shift, null}};
  }

  /** A Python slice bound: None takes the default, negative counts from the end, then clamps. */
  private static int pythonIndex(Integer bound, int length, int ifNone) {
    if (bound == null) {
      return ifNone;
    }
    int i = bound < 0 ? bound + length : bound;
    return Math.max(0, Math.min(length, i));
  }
}
