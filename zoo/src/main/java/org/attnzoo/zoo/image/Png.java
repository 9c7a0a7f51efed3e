package org.attnzoo.zoo.image;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;

/**
 * PNG samples as PIL's {@code convert("RGB")} sees them. ImageIO's PNG reader returns the stored
 * samples in its raster (gamma and ICC chunks are left in the metadata, as PIL leaves them in
 * {@code info}); what differs is the reduction to 8 bits, done here as PIL does.
 */
final class Png {

  private static final int GRAY = 0;
  private static final int GRAY_ALPHA = 4;

  private Png() {}

  static boolean isPng(byte[] b) {
    return b.length > 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G';
  }

  /** IHDR's bit depth and colour type, and the orientation of an {@code eXIf} chunk. */
  record Header(int bitDepth, int colorType, int orientation) {

    static Header parse(byte[] b, String name) throws IOException {
      if (b.length < 33 || b[12] != 'I' || b[13] != 'H' || b[14] != 'D' || b[15] != 'R') {
        throw new IOException(name + ": PNG without an IHDR chunk");
      }
      int depth = b[24] & 0xff;
      int type = b[25] & 0xff;
      int orientation = 1;
      int i = 8;
      while (i + 8 <= b.length) {
        int len =
            ((b[i] & 0xff) << 24)
                | ((b[i + 1] & 0xff) << 16)
                | ((b[i + 2] & 0xff) << 8)
                | (b[i + 3] & 0xff);
        if (len < 0) {
          break;
        }
        if (b[i + 4] == 'e' && b[i + 5] == 'X' && b[i + 6] == 'I' && b[i + 7] == 'f') {
          orientation = Orientation.fromTiff(b, i + 8, Math.min(b.length, i + 8 + len));
        }
        if (b[i + 4] == 'I' && b[i + 5] == 'D' && b[i + 6] == 'A' && b[i + 7] == 'T') {
          break; // PIL reads eXIf only before the image data
        }
        i += 12 + len;
      }
      return new Header(depth, type, orientation);
    }
  }

  static Pixels decode(BufferedImage image, Header header, String name) throws IOException {
    int w = image.getWidth();
    int h = image.getHeight();
    if (image.getColorModel() instanceof IndexColorModel) {
      // Palettes, and low-bit gray that ImageIO reads with a gray ramp (0, 85, 170, 255 for 2
      // bits: PIL's L;2 scaling).
      return ImageDecoder.fromBufferedImage(image, name);
    }
    Raster raster = image.getRaster();
    int bands = raster.getNumBands();
    boolean gray = header.colorType() == GRAY || header.colorType() == GRAY_ALPHA;
    int depth = header.bitDepth();
    int[] row = new int[w * bands];
    byte[] out = new byte[w * h * 3];
    for (int y = 0; y < h; y++) {
      raster.getPixels(0, y, w, 1, row);
      for (int x = 0; x < w; x++) {
        int o = (y * w + x) * 3;
        int s = x * bands;
        for (int c = 0; c < 3; c++) {
          int v = row[s + (gray ? 0 : c)];
          out[o + c] = (byte) to8(v, depth, header.colorType());
        }
      }
    }
    return new Pixels(w, h, 3, out);
  }

  private static int to8(int v, int depth, int colorType) {
    switch (depth) {
      case 16:
        // PIL opens 16-bit gray as I;16 and converts to RGB by clamping; every other 16-bit
        // type is unpacked to 8 bits by keeping the high byte.
        return colorType == GRAY ? Math.min(v, 255) : v >> 8;
      case 8:
        return v;
      case 4:
        return v * 17;
      case 2:
        return v * 85;
      case 1:
        return v * 255;
      default:
        throw new IllegalArgumentException("PNG bit depth " + depth);
    }
  }
}
