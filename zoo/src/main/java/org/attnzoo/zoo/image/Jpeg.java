package org.attnzoo.zoo.image;

import java.awt.image.Raster;
import java.io.IOException;

/**
 * JPEG colour handling as libjpeg (inside PIL) does it, applied to the raw components of ImageIO's
 * raster: ImageIO's decoder upsamples chroma exactly as libjpeg-turbo does (both are IJG code with
 * the same integer IDCT and "fancy" upsampling), but its colour conversion is not PIL's.
 */
final class Jpeg {

  private static final int SCALEBITS = 16;
  private static final int ONE_HALF = 1 << (SCALEBITS - 1);
  private static final int[] CR_R = new int[256];
  private static final int[] CB_B = new int[256];
  private static final int[] CR_G = new int[256];
  private static final int[] CB_G = new int[256];

  static {
    // libjpeg's build_ycc_rgb_table (jdcolor.c): JFIF's YCbCr in 16-bit fixed point.
    for (int i = 0; i < 256; i++) {
      int x = i - 128;
      CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALEBITS;
      CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALEBITS;
      CR_G[i] = -fix(0.71414) * x;
      CB_G[i] = -fix(0.34414) * x + ONE_HALF;
    }
  }

  private static int fix(double x) {
    return (int) (x * (1 << SCALEBITS) + 0.5);
  }

  private Jpeg() {}

  static boolean isJpeg(byte[] b) {
    return b.length > 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8;
  }

  /** What libjpeg's colour-space guess needs, read from the markers before the first scan. */
  record Header(
      int components, int[] componentIds, boolean jfif, int adobeTransform, int orientation) {

    static Header parse(byte[] b, String name) throws IOException {
      int components = -1;
      int[] ids = new int[0];
      boolean jfif = false;
      int adobe = -1;
      int orientation = 1;
      int i = 2;
      while (i + 4 <= b.length) {
        if ((b[i] & 0xff) != 0xFF) {
          throw new IOException(name + ": corrupt JPEG marker at byte " + i);
        }
        int marker = b[i + 1] & 0xff;
        if (marker == 0xFF) {
          i++;
          continue;
        }
        if (marker == 0xDA || marker == 0xD9) {
          break;
        }
        int len = ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
        int p = i + 4;
        int end = Math.min(b.length, i + 2 + len);
        if (marker == 0xE0 && startsWith(b, p, end, "JFIF\0")) {
          jfif = true;
        } else if (marker == 0xEE && startsWith(b, p, end, "Adobe") && p + 11 < end) {
          adobe = b[p + 11] & 0xff;
        } else if (marker == 0xE1 && startsWith(b, p, end, "Exif\0\0")) {
          orientation = Orientation.fromTiff(b, p + 6, end);
        } else if (marker >= 0xC0
            && marker <= 0xCF
            && marker != 0xC4
            && marker != 0xC8
            && marker != 0xCC) {
          int precision = b[p] & 0xff;
          if (precision != 8) {
            throw new IOException(
                name + ": " + precision + "-bit JPEG; only 8-bit JPEGs can be decoded as PIL does");
          }
          components = b[p + 5] & 0xff;
          ids = new int[components];
          for (int c = 0; c < components; c++) {
            ids[c] = b[p + 6 + 3 * c] & 0xff;
          }
        }
        i += 2 + len;
      }
      if (components < 0) {
        throw new IOException(name + ": no JPEG frame header");
      }
      return new Header(components, ids, jfif, adobe, orientation);
    }

    private static boolean startsWith(byte[] b, int p, int end, String s) {
      if (p + s.length() > end) {
        return false;
      }
      for (int k = 0; k < s.length(); k++) {
        if (b[p + k] != (byte) s.charAt(k)) {
          return false;
        }
      }
      return true;
    }

    /** libjpeg's default_decompress_parms: is a 3-component image YCbCr (else RGB)? */
    boolean ycc() {
      if (jfif) {
        return true;
      }
      if (adobeTransform >= 0) {
        return adobeTransform != 0;
      }
      return !(componentIds[0] == 'R' && componentIds[1] == 'G' && componentIds[2] == 'B');
    }

    /** libjpeg's default_decompress_parms: is a 4-component image YCCK (else CMYK)? */
    boolean ycck() {
      return adobeTransform >= 0 && adobeTransform != 0;
    }
  }

  static Pixels decode(Raster raster, Header header, String name) throws IOException {
    int w = raster.getWidth();
    int h = raster.getHeight();
    int n = raster.getNumBands();
    if (n != header.components()) {
      throw new IOException(
          name + ": decoder gave " + n + " bands for " + header.components() + " components");
    }
    byte[] out = new byte[w * h * 3];
    int[] row = new int[w * n];
    for (int y = 0; y < h; y++) {
      raster.getPixels(0, y, w, 1, row);
      for (int x = 0; x < w; x++) {
        int o = (y * w + x) * 3;
        int s = x * n;
        switch (n) {
          case 1 -> {
            out[o] = (byte) row[s];
            out[o + 1] = (byte) row[s];
            out[o + 2] = (byte) row[s];
          }
          case 3 -> {
            if (header.ycc()) {
              yccToRgb(row[s], row[s + 1], row[s + 2], out, o);
            } else {
              out[o] = (byte) row[s];
              out[o + 1] = (byte) row[s + 1];
              out[o + 2] = (byte) row[s + 2];
            }
          }
          case 4 -> {
            int c = row[s];
            int m = row[s + 1];
            int yy = row[s + 2];
            if (header.ycck()) {
              // libjpeg's ycck_cmyk_convert: YCC to RGB, then inverted; K passes through.
              int yv = row[s];
              c = clamp(255 - (yv + CR_R[row[s + 2]]));
              m = clamp(255 - (yv + ((CB_G[row[s + 1]] + CR_G[row[s + 2]]) >> SCALEBITS)));
              yy = clamp(255 - (yv + CB_B[row[s + 1]]));
            }
            cmykToRgb(c, m, yy, row[s + 3], out, o);
          }
          default -> throw new IOException(name + ": JPEG with " + n + " components");
        }
      }
    }
    return new Pixels(w, h, 3, out);
  }

  private static void yccToRgb(int y, int cb, int cr, byte[] out, int o) {
    out[o] = (byte) clamp(y + CR_R[cr]);
    out[o + 1] = (byte) clamp(y + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS));
    out[o + 2] = (byte) clamp(y + CB_B[cb]);
  }

  /**
   * PIL reads 4-component JPEGs as Adobe-inverted CMYK ({@code CMYK;I}: each ink is {@code 255 -
   * stored}), then {@code convert("RGB")} runs {@code cmyk2rgb}: {@code (255 - K) - (255 - K) * C /
   * 255}, with PIL's rounded division by 255. Here {@code c, m, y, k} are the stored samples, so
   * {@code 255 - K} is {@code k} itself.
   */
  private static void cmykToRgb(int c, int m, int y, int k, byte[] out, int o) {
    out[o] = (byte) clamp(k - mulDiv255(255 - c, k));
    out[o + 1] = (byte) clamp(k - mulDiv255(255 - m, k));
    out[o + 2] = (byte) clamp(k - mulDiv255(255 - y, k));
  }

  private static int mulDiv255(int a, int b) {
    int t = a * b + 128;
    return ((t >> 8) + t) >> 8;
  }

  private static int clamp(int v) {
    return v < 0 ? 0 : Math.min(v, 255);
  }
}
