package org.attnzoo.zoo;

import java.util.Arrays;

/**
 * The data half of a variant: what the translator and the training pipeline feed the backbone.
 *
 * @param mean per-channel mean subtracted after scaling pixels to [0, 1]
 * @param std per-channel standard deviation
 * @param labels label set: the name of a resource {@code labels/<name>.txt} ({@code imagenet-1k},
 *     {@code fashion-mnist})
 */
public record DataConfig(float[] mean, float[] std, String labels) {

  /** timm's ViT (augreg) normalisation: 0.5 / 0.5, ImageNet-1k labels. */
  public static final DataConfig IMAGENET_INCEPTION =
      new DataConfig(new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f}, "imagenet-1k");

  /** timm's IMAGENET_DEFAULT_MEAN/STD, ImageNet-1k labels. */
  public static final DataConfig IMAGENET =
      new DataConfig(
          new float[] {0.485f, 0.456f, 0.406f},
          new float[] {0.229f, 0.224f, 0.225f},
          "imagenet-1k");

  /** Fashion-MNIST, grayscale: mean and std of its training set. */
  public static final DataConfig FASHION_MNIST =
      new DataConfig(new float[] {0.2860f}, new float[] {0.3530f}, "fashion-mnist");

  /** Checks that mean and std have one entry per channel. */
  public DataConfig {
    if (mean.length != std.length) {
      throw new IllegalArgumentException(
          "mean " + Arrays.toString(mean) + " and std " + Arrays.toString(std) + " differ in size");
    }
  }

  /**
   * @return the number of image channels
   */
  public int channels() {
    return mean.length;
  }
}
