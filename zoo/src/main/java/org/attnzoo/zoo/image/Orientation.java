package org.attnzoo.zoo.image;

/** The EXIF orientation tag (0x0112) and PIL's {@code ImageOps.exif_transpose}. */
final class Orientation {

  private Orientation() {}

  /**
   * Reads tag 0x0112 from IFD0 of a TIFF structure (the body of an EXIF block).
   *
   * @return the orientation, 1 (as stored) when absent or unreadable
   */
  static int fromTiff(byte[] b, int start, int end) {
    if (start + 8 > end) {
      return 1;
    }
    boolean little = b[start] == 'I' && b[start + 1] == 'I';
    int ifd = start + u32(b, start + 4, little);
    if (ifd < start || ifd + 2 > end) {
      return 1;
    }
    int entries = u16(b, ifd, little);
    for (int e = 0; e < entries; e++) {
      int p = ifd + 2 + 12 * e;
      if (p + 12 > end) {
        return 1;
      }
      if (u16(b, p, little) == 0x0112) {
        int v = u16(b, p + 8, little);
        return v >= 1 && v <= 8 ? v : 1;
      }
    }
    return 1;
  }

  private static int u16(byte[] b, int p, boolean little) {
    int a = b[p] & 0xff;
    int c = b[p + 1] & 0xff;
    return little ? a | (c << 8) : (a << 8) | c;
  }

  private static int u32(byte[] b, int p, boolean little) {
    return little
        ? u16(b, p, true) | (u16(b, p + 2, true) << 16)
        : (u16(b, p, false) << 16) | u16(b, p + 2, false);
  }

  /**
   * Turns a stored image upright as {@code ImageOps.exif_transpose}: 2 mirror, 3 rotate 180, 4
   * flip, 5 transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 90 counter-clockwise.
   */
  static Pixels apply(Pixels in, int orientation) {
    if (orientation <= 1 || orientation > 8) {
      return in;
    }
    int w = in.width();
    int h = in.height();
    boolean swap = orientation >= 5;
    int ow = swap ? h : w;
    int oh = swap ? w : h;
    int bands = in.bands();
    byte[] out = new byte[in.data().length];
    for (int y = 0; y < oh; y++) {
      for (int x = 0; x < ow; x++) {
        int sx;
        int sy;
        switch (orientation) {
          case 2 -> {
            sx = w - 1 - x;
            sy = y;
          }
          case 3 -> {
            sx = w - 1 - x;
            sy = h - 1 - y;
          }
          case 4 -> {
            sx = x;
            sy = h - 1 - y;
          }
          case 5 -> {
            sx = y;
            sy = x;
          }
          case 6 -> {
            sx = y;
            sy = h - 1 - x;
          }
          case 7 -> {
            sx = w - 1 - y;
            sy = h - 1 - x;
          }
          default -> {
            sx = w - 1 - y;
            sy = x;
          }
        }
        System.arraycopy(in.data(), (sy * w + sx) * bands, out, (y * ow + x) * bands, bands);
      }
    }
    return new Pixels(ow, oh, bands, out);
  }
}
