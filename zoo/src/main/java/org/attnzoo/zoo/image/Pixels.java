package org.attnzoo.zoo.image;

/**
 * An 8-bit image in memory, interleaved rows ({@code HWC}): what PIL holds after {@code
 * convert("RGB")} (3 bands) or {@code convert("L")} (1 band), and what timm's eval transform
 * resizes and crops before {@code ToTensor}.
 *
 * @param width width in pixels
 * @param height height in pixels
 * @param bands 1 (grayscale) or 3 (RGB)
 * @param data {@code height * width * bands} unsigned bytes, row by row
 */
public record Pixels(int width, int height, int bands, byte[] data) {

  /** Checks the buffer size against the dimensions. */
  public Pixels {
    if (width <= 0 || height <= 0 || (bands != 1 && bands != 3)) {
      throw new IllegalArgumentException(
          "image "
              + width
              + "x"
              + height
              + " with "
              + bands
              + " bands: need a positive size"
              + " and 1 or 3 bands");
    }
    if (data.length != (long) width * height * bands) {
      throw new IllegalArgumentException(
          "image "
              + width
              + "x"
              + height
              + "x"
              + bands
              + " needs "
              + (long) width * height * bands
              + " bytes, got "
              + data.length);
    }
  }

  /**
   * @param x column
   * @param y row
   * @param band band
   * @return the sample, 0 to 255
   */
  public int get(int x, int y, int band) {
    return data[(y * width + x) * bands + band] & 0xff;
  }

  /**
   * The region {@code [left, left + w) x [top, top + h)}, which must lie inside the image.
   *
   * @param left first column
   * @param top first row
   * @param w width
   * @param h height
   * @return a copy of the region
   */
  public Pixels crop(int left, int top, int w, int h) {
    if (left < 0 || top < 0 || left + w > width || top + h > height) {
      throw new IllegalArgumentException(
          String.format(
              "crop %dx%d at (%d, %d) leaves the %dx%d image", w, h, left, top, width, height));
    }
    byte[] out = new byte[w * h * bands];
    for (int y = 0; y < h; y++) {
      System.arraycopy(data, ((top + y) * width + left) * bands, out, y * w * bands, w * bands);
    }
    return new Pixels(w, h, bands, out);
  }

  /**
   * PIL's {@code convert("L")} for RGB (ITU-R 601-2 luma in PIL's 16-bit fixed point), the image
   * itself when it has one band already.
   *
   * @return a one-band image
   */
  public Pixels toGray() {
    if (bands == 1) {
      return this;
    }
    byte[] out = new byte[width * height];
    for (int i = 0; i < out.length; i++) {
      int r = data[3 * i] & 0xff;
      int g = data[3 * i + 1] & 0xff;
      int b = data[3 * i + 2] & 0xff;
      out[i] = (byte) ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
    }
    return new Pixels(width, height, 1, out);
  }

  /**
   * @return a three-band image: gray replicated, as PIL's {@code convert("RGB")} of an {@code L}
   *     image
   */
  public Pixels toRgb() {
    if (bands == 3) {
      return this;
    }
    byte[] out = new byte[width * height * 3];
    for (int i = 0; i < width * height; i++) {
      out[3 * i] = data[i];
      out[3 * i + 1] = data[i];
      out[3 * i + 2] = data[i];
    }
    return new Pixels(width, height, 3, out);
  }
}
