package org.attnzoo.training.data;

import java.util.Arrays;
import java.util.List;

/**
 * An in-memory labelled image set: 8-bit pixels in channel-first layout, one label per image. Small
 * enough data sets (Fashion-MNIST: 60,000 x 28 x 28 bytes) fit comfortably, so the training loop
 * never touches the disk after loading.
 *
 * @param channels channels per image
 * @param height rows
 * @param width columns
 * @param pixels {@code size * channels * height * width} bytes, image-major, then channel, row,
 *     column
 * @param labels class index per image
 * @param classes class names
 */
public record ImageSet(
    int channels, int height, int width, byte[] pixels, int[] labels, List<String> classes) {

  /** Checks that the pixel buffer and the labels agree. */
  public ImageSet {
    long expected = (long) labels.length * channels * height * width;
    if (pixels.length != expected) {
      throw new IllegalArgumentException(
          String.format(
              "%d images of %dx%dx%d need %d bytes, got %d",
              labels.length, channels, height, width, expected, pixels.length));
    }
    for (int label : labels) {
      if (label < 0 || label >= classes.size()) {
        throw new IllegalArgumentException(
            "label " + label + " is outside the " + classes.size() + " classes " + classes);
      }
    }
  }

  /**
   * @return the number of images
   */
  public int size() {
    return labels.length;
  }

  /**
   * @return bytes per image
   */
  public int imageBytes() {
    return channels * height * width;
  }

  /**
   * @param n how many images to keep
   * @return the first {@code n} images (this set if it has no more)
   */
  public ImageSet head(int n) {
    if (n >= size()) {
      return this;
    }
    return new ImageSet(
        channels,
        height,
        width,
        Arrays.copyOf(pixels, n * imageBytes()),
        Arrays.copyOf(labels, n),
        classes);
  }

  /**
   * Converts to the given channel count and side: grayscale is replicated to RGB, RGB becomes
   * luminance (ITU-R BT.601, as {@code java.awt} and PIL's {@code L} mode), and the side is resized
   * bilinearly with half-pixel centres (PyTorch's {@code align_corners=False}, the interpolation
   * DJL's {@code Resize} transform applies at inference).
   *
   * @param toChannels 1 or 3
   * @param side target height and width
   * @return this set if it already fits, else a converted copy
   */
  public ImageSet fit(int toChannels, int side) {
    if (toChannels == channels && side == height && side == width) {
      return this;
    }
    if (toChannels != 1 && toChannels != 3) {
      throw new IllegalArgumentException("channels must be 1 or 3, got " + toChannels);
    }
    int n = size();
    int outBytes = toChannels * side * side;
    byte[] out = new byte[n * outBytes];
    float[] src = new float[imageBytes()];
    float[] converted = new float[toChannels * height * width];
    float[] resized = new float[outBytes];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < src.length; j++) {
        src[j] = pixels[i * src.length + j] & 0xff;
      }
      convertChannels(src, channels, converted, toChannels, height * width);
      Images.resizeBilinear(converted, toChannels, height, width, resized, side, side);
      for (int j = 0; j < outBytes; j++) {
        out[i * outBytes + j] = (byte) Math.max(0, Math.min(255, Math.round(resized[j])));
      }
    }
    return new ImageSet(toChannels, side, side, out, labels, classes);
  }

  private static void convertChannels(float[] in, int cin, float[] out, int cout, int plane) {
    if (cin == cout) {
      System.arraycopy(in, 0, out, 0, in.length);
    } else if (cin == 1) {
      for (int c = 0; c < cout; c++) {
        System.arraycopy(in, 0, out, c * plane, plane);
      }
    } else if (cin == 3 && cout == 1) {
      for (int p = 0; p < plane; p++) {
        out[p] = 0.299f * in[p] + 0.587f * in[plane + p] + 0.114f * in[2 * plane + p];
      }
    } else {
      throw new IllegalArgumentException("cannot convert " + cin + " channels to " + cout);
    }
  }
}
