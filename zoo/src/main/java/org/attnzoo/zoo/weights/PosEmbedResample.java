package org.attnzoo.zoo.weights;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.attnzoo.zoo.io.Tensor;

/**
 * Resamples a learned absolute position embedding to another patch grid, as timm 1.0.29's {@code
 * timm.layers.pos_embed.resample_abs_pos_embed} does: the prefix tokens (class token) are kept, the
 * grid tokens are reshaped to {@code [C, H, W]} and interpolated with PyTorch's {@code
 * F.interpolate(mode='bicubic', align_corners=False)}, then flattened back in row-major order.
 *
 * <p>Both of PyTorch's bicubic kernels are reproduced in plain Java, computed in double with one
 * rounding to float32 at the end: the result is PyTorch's float64 result rounded, and differs from
 * timm's float32 computation only by that computation's rounding (about 1e-6 on values of order 1):
 *
 * <ul>
 *   <li>{@code antialias=False} ({@code upsample_bicubic2d}): Keys' cubic convolution with a =
 *       -0.75 on the four nearest samples around {@code scale * (i + 0.5) - 0.5}, source indices
 *       clamped to the border.
 *   <li>{@code antialias=True} ({@code _upsample_bicubic2d_aa}, timm's default in {@code
 *       checkpoint_filter_fn}): Keys' cubic with a = -0.5, its support stretched by the scale when
 *       downsampling, taps outside the image dropped and the weights renormalised (PIL's scheme).
 * </ul>
 */
public final class PosEmbedResample {

  private PosEmbedResample() {}

  /**
   * timm's {@code resample_abs_pos_embed(posemb, new_size, num_prefix_tokens=prefix)} without
   * {@code old_size}: the stored grid is taken to be square, as timm assumes.
   *
   * @param posemb {@code [1, prefix + N, C]} with N a square number
   * @param newHeight patch rows of the new grid
   * @param newWidth patch columns of the new grid
   * @param prefix leading tokens kept as they are (1 with a class token)
   * @param antialias PyTorch's {@code antialias} flag (timm's checkpoint filter passes true)
   * @return float32 {@code [1, prefix + newHeight * newWidth, C]}
   * @throws IllegalArgumentException if the shape is not {@code [1, prefix + s*s, C]}
   */
  public static Tensor resampleAbsPosEmbed(
      Tensor posemb, int newHeight, int newWidth, int prefix, boolean antialias) {
    Shape s = posemb.shape();
    if (s.dimension() != 3 || s.get(0) != 1 || s.get(1) < prefix) {
      throw new IllegalArgumentException(
          "a position embedding is [1, prefix + N, C] with prefix " + prefix + ", got " + s);
    }
    int c = Math.toIntExact(s.get(2));
    int n = Math.toIntExact(s.get(1)) - prefix;
    int side = (int) Math.round(Math.sqrt(n));
    if (side * side != n) {
      throw new IllegalArgumentException(
          String.format(
              "position embedding %s has %d grid tokens after %d prefix tokens: not a square grid,"
                  + " so its size cannot be inferred (timm assumes a square one)",
              s, n, prefix));
    }
    float[] all = posemb.toFloats();
    float[] grid = new float[n * c];
    System.arraycopy(all, prefix * c, grid, 0, n * c);
    float[] resized = bicubic(grid, side, side, c, newHeight, newWidth, antialias);
    float[] out = new float[prefix * c + resized.length];
    System.arraycopy(all, 0, out, 0, prefix * c);
    System.arraycopy(resized, 0, out, prefix * c, resized.length);
    ByteBuffer bytes = ByteBuffer.allocate(out.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(out);
    return new Tensor(
        DataType.FLOAT32, new Shape(1, prefix + (long) newHeight * newWidth, c), bytes);
  }

  /**
   * PyTorch's {@code F.interpolate(x, size=(newHeight, newWidth), mode='bicubic',
   * align_corners=False, antialias=antialias)} on channels-last data: {@code hwc[(y * w + x) * c +
   * k]} is channel k of grid cell (y, x), the layout of a position embedding's grid tokens.
   *
   * @param hwc {@code h * w * c} values
   * @param h rows
   * @param w columns
   * @param c channels
   * @param newHeight output rows
   * @param newWidth output columns
   * @param antialias PyTorch's {@code antialias} flag
   * @return {@code newHeight * newWidth * c} values, channels last
   */
  public static float[] bicubic(
      float[] hwc, int h, int w, int c, int newHeight, int newWidth, boolean antialias) {
    if (h <= 0 || w <= 0 || c <= 0 || newHeight <= 0 || newWidth <= 0) {
      throw new IllegalArgumentException(
          String.format("cannot resample %dx%dx%d to %dx%d", h, w, c, newHeight, newWidth));
    }
    if (hwc.length != h * w * c) {
      throw new IllegalArgumentException(
          "expected " + h * w * c + " values for " + h + "x" + w + "x" + c + ", got " + hwc.length);
    }
    Taps rows = antialias ? Taps.antialiased(h, newHeight) : Taps.cubic(h, newHeight);
    Taps cols = antialias ? Taps.antialiased(w, newWidth) : Taps.cubic(w, newWidth);
    // Separable: along the width first (as PyTorch's separable kernels do), then the height.
    double[] horizontal = new double[h * newWidth * c];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < newWidth; x++) {
        int out = (y * newWidth + x) * c;
        for (int t = 0; t < cols.index[x].length; t++) {
          int in = (y * w + cols.index[x][t]) * c;
          double wt = cols.weight[x][t];
          for (int k = 0; k < c; k++) {
            horizontal[out + k] += wt * hwc[in + k];
          }
        }
      }
    }
    double[] acc = new double[newHeight * newWidth * c];
    for (int y = 0; y < newHeight; y++) {
      for (int t = 0; t < rows.index[y].length; t++) {
        int in = rows.index[y][t] * newWidth * c;
        double wt = rows.weight[y][t];
        int out = y * newWidth * c;
        for (int i = 0; i < newWidth * c; i++) {
          acc[out + i] += wt * horizontal[in + i];
        }
      }
    }
    float[] result = new float[acc.length];
    for (int i = 0; i < acc.length; i++) {
      result[i] = (float) acc[i];
    }
    return result;
  }

  /** The source indices and weights of each output position along one axis. */
  private record Taps(int[][] index, double[][] weight) {

    /** {@code upsample_bicubic2d}: four taps, a = -0.75, indices clamped to the border. */
    static Taps cubic(int in, int out) {
      double a = -0.75;
      // area_pixel_compute_scale without align_corners: in / out.
      double scale = (double) in / out;
      int[][] index = new int[out][4];
      double[][] weight = new double[out][4];
      for (int i = 0; i < out; i++) {
        // area_pixel_compute_source_index(cubic=true): not clamped at 0.
        double real = scale * (i + 0.5) - 0.5;
        // guard_index_and_lambda
        int base = Math.min((int) Math.floor(real), in - 1);
        double t = Math.min(Math.max(real - base, 0.0), 1.0);
        double[] wt = {
          cubicFar(t + 1, a), cubicNear(t, a), cubicNear(1 - t, a), cubicFar(2 - t, a)
        };
        for (int j = 0; j < 4; j++) {
          index[i][j] = Math.max(0, Math.min(in - 1, base - 1 + j));
          weight[i][j] = wt[j];
        }
      }
      return new Taps(index, weight);
    }

    /** {@code _upsample_bicubic2d_aa}: a = -0.5, support scaled when downsampling, renormalised. */
    static Taps antialiased(int in, int out) {
      double a = -0.5;
      double scale = (double) in / out;
      double support = scale >= 1.0 ? 2.0 * scale : 2.0;
      double invScale = scale >= 1.0 ? 1.0 / scale : 1.0;
      int[][] index = new int[out][];
      double[][] weight = new double[out][];
      for (int i = 0; i < out; i++) {
        double center = scale * (i + 0.5);
        // C++ casts truncate toward zero; the max with 0 makes that a floor where it matters.
        int min = Math.max((int) (center - support + 0.5), 0);
        int size = Math.min((int) (center + support + 0.5), in) - min;
        index[i] = new int[size];
        weight[i] = new double[size];
        double total = 0;
        for (int j = 0; j < size; j++) {
          double x = Math.abs((j + min - center + 0.5) * invScale);
          double wt = x < 1.0 ? cubicNear(x, a) : x < 2.0 ? cubicFar(x, a) : 0.0;
          index[i][j] = min + j;
          weight[i][j] = wt;
          total += wt;
        }
        if (total != 0.0) {
          for (int j = 0; j < size; j++) {
            weight[i][j] /= total;
          }
        }
      }
      return new Taps(index, weight);
    }

    /** Keys' cubic for |x| <= 1: PyTorch's {@code cubic_convolution1}. */
    private static double cubicNear(double x, double a) {
      return ((a + 2) * x - (a + 3)) * x * x + 1;
    }

    /** Keys' cubic for 1 < |x| < 2: PyTorch's {@code cubic_convolution2}. */
    private static double cubicFar(double x, double a) {
      return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    }
  }
}
