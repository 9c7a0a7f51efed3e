package org.attnzoo.training.data;

/** Pixel-array helpers shared by data loading and augmentation. */
final class Images {

  private Images() {}

  /**
   * Bilinear resize of a channel-first float image with half-pixel centres ({@code
   * align_corners=False}), the convention of PyTorch's {@code interpolate}.
   */
  static void resizeBilinear(
      float[] in, int channels, int inH, int inW, float[] out, int outH, int outW) {
    resizeRegion(in, channels, inH, inW, 0, 0, inH, inW, out, outH, outW);
  }

  /**
   * Bilinear resize of the region {@code [top, top + h) x [left, left + w)} (fractional bounds
   * allowed) to {@code outH x outW}; samples outside the image clamp to the border.
   */
  static void resizeRegion(
      float[] in,
      int channels,
      int inH,
      int inW,
      double top,
      double left,
      double h,
      double w,
      float[] out,
      int outH,
      int outW) {
    double sy = h / outH;
    double sx = w / outW;
    for (int y = 0; y < outH; y++) {
      double fy = Math.min(Math.max(top + (y + 0.5) * sy - 0.5, 0), inH - 1);
      int y0 = (int) Math.floor(fy);
      int y1 = Math.min(y0 + 1, inH - 1);
      float wy = (float) (fy - y0);
      for (int x = 0; x < outW; x++) {
        double fx = Math.min(Math.max(left + (x + 0.5) * sx - 0.5, 0), inW - 1);
        int x0 = (int) Math.floor(fx);
        int x1 = Math.min(x0 + 1, inW - 1);
        float wx = (float) (fx - x0);
        for (int c = 0; c < channels; c++) {
          int base = c * inH * inW;
          float a = in[base + y0 * inW + x0];
          float b = in[base + y0 * inW + x1];
          float d = in[base + y1 * inW + x0];
          float e = in[base + y1 * inW + x1];
          float top0 = a + (b - a) * wx;
          float bottom = d + (e - d) * wx;
          out[c * outH * outW + y * outW + x] = top0 + (bottom - top0) * wy;
        }
      }
    }
  }
}
