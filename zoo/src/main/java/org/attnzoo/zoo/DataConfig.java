package org.attnzoo.zoo;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * The data half of a variant: how an image becomes the backbone's input tensor, as timm's {@code
 * pretrained_cfg} says (the fields and their meaning are timm's; {@code resolve_data_config} +
 * {@code create_transform(is_training=False)} is the transform they describe, reproduced by {@link
 * org.attnzoo.zoo.image.EvalTransform}).
 *
 * @param inputSize {@code [C, H, W]}; {@code null} in the shared constants below, filled in from
 *     the backbone's input shape by {@link Variant}
 * @param cropPct the fraction of the resized image the centre crop keeps: the shorter side is
 *     resized to {@code floor(size / cropPct)}
 * @param cropMode {@code center} (keep the aspect ratio, resize the shorter side, crop the centre)
 *     or {@code squash} (resize both sides to {@code floor(size / cropPct)}, then crop)
 * @param interpolation PIL's resampling filter: {@code bicubic}, {@code bilinear}, {@code box},
 *     {@code hamming} or {@code lanczos}
 * @param mean per-channel mean subtracted after scaling pixels to [0, 1]
 * @param std per-channel standard deviation
 * @param labels label set: the name of a resource {@code labels/<name>.txt} ({@code imagenet-1k},
 *     {@code fashion-mnist})
 * @param testInputSize timm's {@code test_input_size}, {@code [C, H, W]}: the larger size some
 *     models are evaluated at (their published top-1 at it is higher), or {@code null} when the
 *     model has none; {@link #atTestSize()} selects it
 * @param testCropPct timm's {@code test_crop_pct}, the {@code crop_pct} that goes with {@code
 *     testInputSize} (ignored without one)
 */
public record DataConfig(
    int[] inputSize,
    double cropPct,
    String cropMode,
    String interpolation,
    float[] mean,
    float[] std,
    String labels,
    int[] testInputSize,
    double testCropPct) {

  /** timm's {@code crop_mode} for classification models: aspect kept, centre cropped. */
  public static final String CENTER = "center";

  /** timm's {@code crop_mode="squash"}: both sides resized, aspect ratio not kept. */
  public static final String SQUASH = "squash";

  private static final Set<String> MODES = Set.of(CENTER, SQUASH);

  private static final Set<String> FILTERS =
      Set.of("bicubic", "bilinear", "box", "hamming", "lanczos");

  /**
   * timm's ViT (augreg) data config: mean and std 0.5, crop 0.9, bicubic, ImageNet-1k labels.
   * Conv2Former's official code uses it too ({@code default_cfg = _cfg()} of timm's ViT module).
   */
  public static final DataConfig IMAGENET_INCEPTION =
      new DataConfig(
          null,
          0.9,
          CENTER,
          "bicubic",
          new float[] {0.5f, 0.5f, 0.5f},
          new float[] {0.5f, 0.5f, 0.5f},
          "imagenet-1k");

  /** timm's IMAGENET_DEFAULT_MEAN/STD, crop 0.9, bicubic, ImageNet-1k labels. */
  public static final DataConfig IMAGENET =
      new DataConfig(
          null,
          0.9,
          CENTER,
          "bicubic",
          new float[] {0.485f, 0.456f, 0.406f},
          new float[] {0.229f, 0.224f, 0.225f},
          "imagenet-1k");

  /**
   * Fashion-MNIST, grayscale: mean and std of its training set; images are squashed to the input
   * size with a bilinear filter, as attnzoo's training pipeline resizes them.
   */
  public static final DataConfig FASHION_MNIST =
      new DataConfig(new float[] {0.2860f}, new float[] {0.3530f}, "fashion-mnist");

  /** Checks the fields against each other and against what the transform supports. */
  public DataConfig {
    if (mean.length != std.length) {
      throw new IllegalArgumentException(
          "mean " + Arrays.toString(mean) + " and std " + Arrays.toString(std) + " differ in size");
    }
    if (inputSize != null) {
      checkChw("inputSize", inputSize, mean.length);
    }
    if (!(cropPct > 0 && cropPct <= 1)) {
      throw new IllegalArgumentException("cropPct " + cropPct + " is not in (0, 1]");
    }
    if (!MODES.contains(cropMode)) {
      throw new IllegalArgumentException(
          "cropMode '" + cropMode + "' is not supported; use one of " + MODES);
    }
    if (!FILTERS.contains(interpolation)) {
      throw new IllegalArgumentException(
          "interpolation '" + interpolation + "' is not supported; use one of " + FILTERS);
    }
    if (testInputSize != null) {
      checkChw("testInputSize", testInputSize, mean.length);
      if (!(testCropPct > 0 && testCropPct <= 1)) {
        throw new IllegalArgumentException("testCropPct " + testCropPct + " is not in (0, 1]");
      }
    }
  }

  private static void checkChw(String name, int[] size, int channels) {
    if (size.length != 3 || size[0] != channels) {
      throw new IllegalArgumentException(
          name
              + " "
              + Arrays.toString(size)
              + " is not [C, H, W] with C = "
              + channels
              + " (the length of mean)");
    }
  }

  /**
   * A data config without a test size.
   *
   * @param inputSize {@code [C, H, W]} or {@code null}
   * @param cropPct {@code crop_pct}
   * @param cropMode {@code crop_mode}
   * @param interpolation PIL's resampling filter
   * @param mean per-channel mean
   * @param std per-channel standard deviation
   * @param labels label set
   */
  public DataConfig(
      int[] inputSize,
      double cropPct,
      String cropMode,
      String interpolation,
      float[] mean,
      float[] std,
      String labels) {
    this(inputSize, cropPct, cropMode, interpolation, mean, std, labels, null, cropPct);
  }

  /**
   * Normalisation and labels only: input size from the backbone, squash with bilinear at crop 1.0
   * (attnzoo's own training-size variants).
   *
   * @param mean per-channel mean
   * @param std per-channel standard deviation
   * @param labels label set
   */
  public DataConfig(float[] mean, float[] std, String labels) {
    this(null, 1.0, SQUASH, "bilinear", mean, std, labels);
  }

  /**
   * @param size {@code [C, H, W]}
   * @return this config at another input size
   */
  public DataConfig withInputSize(int... size) {
    return new DataConfig(
        size.clone(),
        cropPct,
        cropMode,
        interpolation,
        mean,
        std,
        labels,
        testInputSize,
        testCropPct);
  }

  /**
   * @param pct the crop fraction
   * @return this config with another {@code crop_pct}
   */
  public DataConfig withCropPct(double pct) {
    return new DataConfig(
        inputSize, pct, cropMode, interpolation, mean, std, labels, testInputSize, testCropPct);
  }

  /**
   * timm's {@code test_input_size} and {@code test_crop_pct}: a square size (e.g. EdgeNeXt's 288 at
   * crop 1.0) the model is also evaluated at.
   *
   * @param size test input side in pixels
   * @param pct the crop fraction at that size
   * @return this config with a test size
   */
  public DataConfig withTestSize(int size, double pct) {
    return new DataConfig(
        inputSize,
        cropPct,
        cropMode,
        interpolation,
        mean,
        std,
        labels,
        new int[] {mean.length, size, size},
        pct);
  }

  /**
   * @return whether timm's {@code pretrained_cfg} gives this config a test size
   */
  public boolean hasTestSize() {
    return testInputSize != null;
  }

  /**
   * The config timm's eval uses at the test size ({@code resolve_data_config(use_test_size=True)}):
   * input size and {@code crop_pct} replaced by their test values, everything else kept.
   *
   * @return this config at its test size
   * @throws IllegalStateException if it has none
   */
  public DataConfig atTestSize() {
    if (testInputSize == null) {
      throw new IllegalStateException("no test input size in this data config: " + this);
    }
    return new DataConfig(
        testInputSize.clone(),
        testCropPct,
        cropMode,
        interpolation,
        mean,
        std,
        labels,
        null,
        testCropPct);
  }

  /**
   * @return the number of image channels
   */
  public int channels() {
    return mean.length;
  }

  /**
   * timm's {@code scale_size}: {@code floor(size / crop_pct)}, per spatial dimension.
   *
   * @return {@code [H, W]} before the centre crop
   */
  public int[] scaleSize() {
    requireSize();
    return new int[] {
      (int) Math.floor(inputSize[1] / cropPct), (int) Math.floor(inputSize[2] / cropPct)
    };
  }

  private void requireSize() {
    if (inputSize == null) {
      throw new IllegalStateException("data config without an input size: " + this);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DataConfig d
        && Arrays.equals(inputSize, d.inputSize)
        && cropPct == d.cropPct
        && cropMode.equals(d.cropMode)
        && interpolation.equals(d.interpolation)
        && Arrays.equals(mean, d.mean)
        && Arrays.equals(std, d.std)
        && labels.equals(d.labels)
        && Arrays.equals(testInputSize, d.testInputSize)
        && (testInputSize == null || testCropPct == d.testCropPct);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(inputSize) * 31 + Arrays.hashCode(mean) * 17 + labels.hashCode();
  }

  /** timm's spelling, e.g. {@code input_size (3, 224, 224), crop_pct 0.9, ...}. */
  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "input_size %s, crop_pct %s, crop_mode %s, interpolation %s, mean %s, std %s, labels %s%s",
        inputSize == null ? "(from the backbone)" : Arrays.toString(inputSize),
        cropPct,
        cropMode,
        interpolation,
        Arrays.toString(mean),
        Arrays.toString(std),
        labels,
        testInputSize == null
            ? ""
            : ", test_input_size "
                + Arrays.toString(testInputSize)
                + ", test_crop_pct "
                + testCropPct);
  }
}
