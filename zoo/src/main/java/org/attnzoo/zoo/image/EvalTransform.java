package org.attnzoo.zoo.image;

import org.attnzoo.zoo.DataConfig;

/**
 * timm's eval transform ({@code create_transform(**resolve_data_config(model=m))}): resize, centre
 * crop, {@code ToTensor}, {@code Normalize}, step for step as torchvision 0.28 runs it on a PIL
 * image, so the tensor equals timm's to the bit.
 *
 * <ol>
 *   <li>Resize with PIL's filter ({@link PilResample}) in 8 bits. {@code center}: the shorter side
 *       to {@code floor(size / crop_pct)}, the longer to {@code int(short * long / shorter)}
 *       (torchvision truncates); {@code squash}: both sides to {@code floor(size / crop_pct)}.
 *   <li>Centre crop at offset {@code round((in - out) / 2)}, Python's round: halves go to the even
 *       integer (DJL's {@code CenterCrop} floors, one pixel off whenever the margin is odd and its
 *       half is odd).
 *   <li>{@code x / 255}, then {@code (x - mean) / std}, each a float32 operation as in torch.
 * </ol>
 *
 * <p>One-channel configs take PIL's {@code convert("L")} of the image first.
 */
public final class EvalTransform {

  private final DataConfig config;
  private final PilResample.Filter filter;

  /**
   * @param config a data config with an input size (a {@link org.attnzoo.zoo.Variant}'s)
   */
  public EvalTransform(DataConfig config) {
    if (config.inputSize() == null) {
      throw new IllegalArgumentException("data config has no input size: " + config);
    }
    if (DataConfig.CENTER.equals(config.cropMode())
        && config.inputSize()[1] != config.inputSize()[2]) {
      throw new IllegalArgumentException(
          "crop_mode center with a non-square input size "
              + java.util.Arrays.toString(config.inputSize())
              + " (timm's ResizeKeepRatio) is not supported");
    }
    this.config = config;
    this.filter = PilResample.Filter.of(config.interpolation());
  }

  /**
   * @return the data config
   */
  public DataConfig config() {
    return config;
  }

  /**
   * The whole transform.
   *
   * @param image decoded pixels (RGB, or gray for one-channel configs)
   * @return the normalised {@code [C, H, W]} tensor, row-major
   */
  public float[] apply(Pixels image) {
    return normalize(resizeAndCrop(image));
  }

  /**
   * Resize and crop: the 8-bit image timm's {@code ToTensor} receives.
   *
   * @param image decoded pixels
   * @return {@code H x W} pixels with the config's channel count
   */
  public Pixels resizeAndCrop(Pixels image) {
    Pixels in = config.channels() == 1 ? image.toGray() : image.toRgb();
    int outH = config.inputSize()[1];
    int outW = config.inputSize()[2];
    int[] scale = config.scaleSize();
    int[] resized =
        DataConfig.SQUASH.equals(config.cropMode())
            ? new int[] {scale[1], scale[0]}
            : shorterSideTo(in.width(), in.height(), scale[0]);
    Pixels r = PilResample.resize(in, resized[0], resized[1], filter);
    return r.crop(cropOffset(r.width(), outW), cropOffset(r.height(), outH), outW, outH);
  }

  /**
   * {@code ToTensor} and {@code Normalize}: HWC bytes to normalised CHW floats.
   *
   * @param image the cropped image
   * @return the {@code [C, H, W]} tensor
   */
  public float[] normalize(Pixels image) {
    int c = image.bands();
    int hw = image.width() * image.height();
    float[] mean = config.mean();
    float[] std = config.std();
    byte[] data = image.data();
    float[] out = new float[c * hw];
    for (int ch = 0; ch < c; ch++) {
      for (int i = 0; i < hw; i++) {
        float x = (data[i * c + ch] & 0xff) / 255f;
        out[ch * hw + i] = (x - mean[ch]) / std[ch];
      }
    }
    return out;
  }

  /**
   * torchvision's {@code Resize(size)} with an int: the shorter side becomes {@code size}, the
   * longer {@code int(size * long / short)}.
   *
   * @param width image width
   * @param height image height
   * @param size the shorter side's new length
   * @return {@code [width, height]}
   */
  public static int[] shorterSideTo(int width, int height, int size) {
    if (width <= height) {
      return new int[] {size, (int) ((double) size * height / width)};
    }
    return new int[] {(int) ((double) size * width / height), size};
  }

  /**
   * torchvision's {@code CenterCrop} offset, {@code int(round((in - out) / 2.0))}: Python rounds
   * halves to even.
   *
   * @param in the resized length
   * @param out the crop length
   * @return the first kept index
   */
  public static int cropOffset(int in, int out) {
    return (int) Math.rint((in - out) / 2.0);
  }
}
