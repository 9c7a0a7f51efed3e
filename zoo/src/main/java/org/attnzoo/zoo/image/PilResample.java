package org.attnzoo.zoo.image;

import java.util.Locale;

/**
 * PIL's {@code Image.resize} for 8-bit images ({@code ImagingResample} in Pillow's {@code
 * Resample.c}), reproduced to the bit: timm's eval transform resizes through torchvision, which
 * hands PIL images to PIL, so this is the resize behind every timm accuracy figure.
 *
 * <p>Three details make it differ from a textbook bicubic, and each one changes pixels:
 *
 * <ul>
 *   <li>Antialiasing: when shrinking, the filter's support is stretched by the scale factor, so
 *       every output pixel averages all the input pixels it covers (a plain bicubic would sample
 *       four and alias).
 *   <li>Weights are normalised per output pixel in double, then rounded to 22-bit fixed point; the
 *       sums are integers, rounded half up and clamped to 0-255 ({@code clip8}).
 *   <li>Two passes, horizontal then vertical, with the intermediate image rounded to 8 bits between
 *       them.
 * </ul>
 */
public final class PilResample {

  /** PIL's resampling filters with their support radius at scale 1. */
  public enum Filter {
    /** {@code Image.BOX}. */
    BOX(0.5),
    /** {@code Image.BILINEAR} (triangle). */
    BILINEAR(1.0),
    /** {@code Image.HAMMING}. */
    HAMMING(1.0),
    /** {@code Image.BICUBIC}: Keys' cubic convolution with a = -0.5. */
    BICUBIC(2.0),
    /** {@code Image.LANCZOS}: 3-lobed Lanczos. */
    LANCZOS(3.0);

    private final double support;

    Filter(double support) {
      this.support = support;
    }

    /**
     * @param name timm's interpolation name: {@code bicubic}, {@code bilinear}, {@code box}, {@code
     *     hamming}, {@code lanczos}
     * @return the filter
     */
    public static Filter of(String name) {
      try {
        return valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "interpolation '"
                + name
                + "' is not supported; use bicubic, bilinear, box, hamming or lanczos",
            e);
      }
    }

    double weight(double x) {
      switch (this) {
        case BOX:
          return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
        case BILINEAR:
          x = Math.abs(x);
          return x < 1.0 ? 1.0 - x : 0.0;
        case HAMMING:
          x = Math.abs(x);
          if (x == 0.0) {
            return 1.0;
          }
          if (x >= 1.0) {
            return 0.0;
          }
          x = x * Math.PI;
          return Math.sin(x) / x * (0.54 + 0.46 * Math.cos(x));
        case BICUBIC:
          // Written as in Resample.c (a = -0.5), so the double rounding is the same.
          x = Math.abs(x);
          if (x < 1.0) {
            return ((-0.5 + 2.0) * x - (-0.5 + 3.0)) * x * x + 1;
          }
          if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * -0.5;
          }
          return 0.0;
        case LANCZOS:
          return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
        default:
          throw new AssertionError(this);
      }
    }

    private static double sinc(double x) {
      if (x == 0.0) {
        return 1.0;
      }
      x = x * Math.PI;
      return Math.sin(x) / x;
    }
  }

  /** Fixed-point precision of the weights: 32 bits less 8 for the sample and 2 for overshoot. */
  private static final int PRECISION_BITS = 32 - 8 - 2;

  private PilResample() {}

  /**
   * Resizes the whole image, as PIL's {@code image.resize((width, height), filter)}.
   *
   * @param in the image
   * @param width output width
   * @param height output height
   * @param filter the filter
   * @return the resized image (the input itself when the size is unchanged, as PIL copies)
   */
  public static Pixels resize(Pixels in, int width, int height, Filter filter) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("cannot resize to " + width + "x" + height);
    }
    boolean horizontal = width != in.width();
    boolean vertical = height != in.height();
    if (!horizontal && !vertical) {
      return in;
    }
    Coefficients h = Coefficients.of(in.width(), width, filter);
    Coefficients v = Coefficients.of(in.height(), height, filter);
    Pixels src = in;
    int[] vBounds = v.bounds.clone();
    if (horizontal) {
      // Only the rows the vertical pass reads, as PIL does; shift the vertical bounds to match.
      int first = vBounds[0];
      int last = vBounds[2 * height - 2] + vBounds[2 * height - 1];
      for (int i = 0; i < height; i++) {
        vBounds[2 * i] -= first;
      }
      src = horizontalPass(in, first, last - first, h);
    }
    if (vertical) {
      src = verticalPass(src, height, new Coefficients(v.ksize, vBounds, v.weights));
    }
    return src;
  }

  private static Pixels horizontalPass(Pixels in, int firstRow, int rows, Coefficients k) {
    int bands = in.bands();
    int outW = k.bounds.length / 2;
    byte[] src = in.data();
    byte[] out = new byte[outW * rows * bands];
    for (int y = 0; y < rows; y++) {
      int rowIn = (y + firstRow) * in.width() * bands;
      int rowOut = y * outW * bands;
      for (int x = 0; x < outW; x++) {
        int min = k.bounds[2 * x];
        int n = k.bounds[2 * x + 1];
        int kOff = x * k.ksize;
        for (int b = 0; b < bands; b++) {
          int ss = 1 << (PRECISION_BITS - 1);
          int p = rowIn + min * bands + b;
          for (int i = 0; i < n; i++, p += bands) {
            ss += (src[p] & 0xff) * k.weights[kOff + i];
          }
          out[rowOut + x * bands + b] = clip8(ss);
        }
      }
    }
    return new Pixels(outW, rows, bands, out);
  }

  private static Pixels verticalPass(Pixels in, int outH, Coefficients k) {
    int bands = in.bands();
    int w = in.width();
    int stride = w * bands;
    byte[] src = in.data();
    byte[] out = new byte[outH * stride];
    for (int y = 0; y < outH; y++) {
      int min = k.bounds[2 * y];
      int n = k.bounds[2 * y + 1];
      int kOff = y * k.ksize;
      for (int j = 0; j < stride; j++) {
        int ss = 1 << (PRECISION_BITS - 1);
        int p = min * stride + j;
        for (int i = 0; i < n; i++, p += stride) {
          ss += (src[p] & 0xff) * k.weights[kOff + i];
        }
        out[y * stride + j] = clip8(ss);
      }
    }
    return new Pixels(w, outH, bands, out);
  }

  private static byte clip8(int ss) {
    if (ss >= (1 << PRECISION_BITS << 8)) {
      return (byte) 255;
    }
    if (ss <= 0) {
      return 0;
    }
    return (byte) (ss >> PRECISION_BITS);
  }

  /**
   * Per output pixel: the first input index, the number of taps and the fixed-point weights ({@code
   * precompute_coeffs} and {@code normalize_coeffs_8bpc}).
   */
  private record Coefficients(int ksize, int[] bounds, int[] weights) {

    static Coefficients of(int inSize, int outSize, Filter filter) {
      double scale = (double) inSize / outSize;
      double filterScale = Math.max(scale, 1.0);
      double support = filter.support * filterScale;
      int ksize = (int) Math.ceil(support) * 2 + 1;
      int[] bounds = new int[2 * outSize];
      int[] weights = new int[outSize * ksize];
      double[] k = new double[ksize];
      for (int xx = 0; xx < outSize; xx++) {
        double center = (xx + 0.5) * scale;
        double ss = 1.0 / filterScale;
        // C's (int) truncates toward zero, as Java's cast does.
        int xmin = Math.max((int) (center - support + 0.5), 0);
        int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
        double ww = 0.0;
        for (int x = 0; x < xmax; x++) {
          double w = filter.weight((x + xmin - center + 0.5) * ss);
          k[x] = w;
          ww += w;
        }
        for (int x = 0; x < xmax; x++) {
          double w = ww != 0.0 ? k[x] / ww : k[x];
          weights[xx * ksize + x] =
              w < 0
                  ? (int) (-0.5 + w * (1 << PRECISION_BITS))
                  : (int) (0.5 + w * (1 << PRECISION_BITS));
        }
        bounds[2 * xx] = xmin;
        bounds[2 * xx + 1] = xmax;
      }
      return new Coefficients(ksize, bounds, weights);
    }
  }
}
