package org.attnzoo.zoo.weights;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.attnzoo.zoo.io.Tensor;

/**
 * Resizes a Swin relative-position bias table to another window, as timm 1.0.29's {@code
 * timm.layers.pos_embed_rel.resize_rel_pos_bias_table} does without SciPy (timm's default): the
 * source table's {@code (2w - 1)^2} offsets are placed on a geometric grid that stretches to the
 * new table's half-width (BEiT's trick: near offsets keep their spacing, far ones spread), and each
 * head's table is read at the new integer offsets by timm's {@code RegularGridInterpolator}
 * (bilinear, clamped at the ends).
 */
public final class RelPosBiasResize {

  private RelPosBiasResize() {}

  /**
   * @param table {@code [(2w - 1)^2, heads]}, a square source window
   * @param newWindow the new window side
   * @return float32 {@code [(2 * newWindow - 1)^2, heads]}
   * @throws IllegalArgumentException if the table is not a square window's
   */
  public static Tensor resize(Tensor table, int newWindow) {
    Shape s = table.shape();
    int srcSide = s.dimension() == 2 ? (int) Math.round(Math.sqrt(s.get(0))) : -1;
    if (srcSide < 1 || (long) srcSide * srcSide != s.get(0) || srcSide % 2 == 0) {
      throw new IllegalArgumentException(
          "a relative-position bias table is [(2w - 1)^2, heads], got " + s);
    }
    int heads = Math.toIntExact(s.get(1));
    int dstSide = 2 * newWindow - 1;
    float[] src = table.toFloats();
    float[] out;
    if (srcSide == dstSide) {
      out = src;
    } else {
      // timm builds the source positions as a float32 tensor: bucketize compares those values.
      double[] pos = positions(srcSide, dstSide);
      out = new float[dstSide * dstSide * heads];
      int half = dstSide / 2;
      for (int y = 0; y < dstSide; y++) {
        Lerp ly = Lerp.at(pos, y - half);
        for (int x = 0; x < dstSide; x++) {
          Lerp lx = Lerp.at(pos, x - half);
          for (int h = 0; h < heads; h++) {
            double v =
                src[(ly.left * srcSide + lx.left) * heads + h] * ly.distRight * lx.distRight
                    + src[(ly.left * srcSide + lx.right) * heads + h] * ly.distRight * lx.distLeft
                    + src[(ly.right * srcSide + lx.left) * heads + h] * ly.distLeft * lx.distRight
                    + src[(ly.right * srcSide + lx.right) * heads + h] * ly.distLeft * lx.distLeft;
            out[(y * dstSide + x) * heads + h] = (float) (v / (ly.total() * lx.total()));
          }
        }
      }
    }
    ByteBuffer bytes = ByteBuffer.allocate(out.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(out);
    return new Tensor(DataType.FLOAT32, new Shape((long) dstSide * dstSide, heads), bytes);
  }

  /**
   * timm's {@code _calc(src, dst)}: the ratio q whose geometric series {@code 1 + q + ... +
   * q^(src/2 - 1)} reaches {@code dst / 2}, found by bisection in [1.01, 1.5], then the offsets
   * {@code -d_k .. -d_1, 0, d_1 .. d_k} with {@code d_i = 1 + q + ... + q^(i-1)}.
   */
  static double[] positions(int src, int dst) {
    int n = src / 2;
    double left = 1.01;
    double right = 1.5;
    while (right - left > 1e-6) {
      double q = (left + right) / 2.0;
      double gp = (1.0 - Math.pow(q, n)) / (1.0 - q);
      if (gp > dst / 2) {
        right = q;
      } else {
        left = q;
      }
    }
    double q = left;
    double[] dis = new double[n];
    double cur = 1;
    for (int i = 0; i < n; i++) {
      dis[i] = cur;
      cur += Math.pow(q, i + 1);
    }
    double[] pos = new double[2 * n + 1];
    for (int i = 0; i < n; i++) {
      pos[n - 1 - i] = (float) -dis[i];
      pos[n + 1 + i] = (float) dis[i];
    }
    return pos;
  }

  /** One axis of timm's {@code RegularGridInterpolator}: the bracketing indices and distances. */
  private record Lerp(int left, int right, double distLeft, double distRight) {

    static Lerp at(double[] p, double x) {
      // torch.bucketize(x, p): the first index with p[i] >= x, clamped to the last.
      int right = 0;
      while (right < p.length && p[right] < x) {
        right++;
      }
      right = Math.min(right, p.length - 1);
      int left = Math.max(right - 1, 0);
      double dl = Math.max(x - p[left], 0);
      double dr = Math.max(p[right] - x, 0);
      if (dl == 0 && dr == 0) {
        dl = 1;
        dr = 1;
      }
      return new Lerp(left, right, dl, dr);
    }

    double total() {
      return distLeft + distRight;
    }
  }
}
