package org.attnzoo.backbones.conv2former;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.attnzoo.backbones.BackboneBuilder;
import org.attnzoo.backbones.BackboneConfig;
import org.attnzoo.nn.Checks;

/**
 * Hyper-parameters of a {@link Conv2Former}, named as the official {@code Conv2Former} arguments
 * (HVision-NKU/Conv2Former, {@code models/conv2former.py}); built with {@link #builder()}. The
 * published variants' numbers live in the zoo's variant table.
 *
 * @param imgSize square input side the variant is meant for (the network is fully convolutional)
 * @param inChans input channels
 * @param numClasses classifier outputs (0: pooled, normalised head features of width headWidth)
 * @param kernelSize side of the depth-wise modulation kernel
 * @param dims channels of the four stages
 * @param depths blocks per stage
 * @param mlpRatio MLP expansion (4 in every official variant)
 * @param headWidth channels of the head's 1x1 convolution (1280 in the official code)
 * @param layerScaleInit initial layer scale (1e-6 in the official code)
 * @param dropPathRate stochastic depth of the last block (linear from 0 over all blocks)
 */
public record Conv2FormerConfig(
    int imgSize,
    int inChans,
    int numClasses,
    int kernelSize,
    List<Integer> dims,
    List<Integer> depths,
    int mlpRatio,
    int headWidth,
    float layerScaleInit,
    float dropPathRate)
    implements BackboneConfig {

  /** Validates the configuration with messages naming the offending values. */
  public Conv2FormerConfig {
    Checks.positive("imgSize", imgSize);
    Checks.positive("inChans", inChans);
    Checks.nonNegative("numClasses", numClasses);
    if (kernelSize <= 0 || kernelSize % 2 == 0) {
      throw new IllegalArgumentException("kernelSize must be odd and positive, got " + kernelSize);
    }
    if (dims.size() != 4 || depths.size() != 4) {
      throw new IllegalArgumentException(
          "Conv2Former needs 4 dims and 4 depths, got dims " + dims + " and depths " + depths);
    }
    dims.forEach(d -> Checks.positive("dims entry", d));
    depths.forEach(d -> Checks.positive("depths entry", d));
    Checks.divisible("dims[0]", dims.get(0), "2 (stem width dims[0] / 2)", 2);
    Checks.positive("mlpRatio", mlpRatio);
    Checks.positive("headWidth", headWidth);
    Checks.probability("dropPathRate", dropPathRate);
    dims = List.copyOf(dims);
    depths = List.copyOf(depths);
  }

  /**
   * A builder with the official {@code Conv2Former} defaults: 224x224 RGB, 1000 classes, kernel 7,
   * MLP ratio 4, head width 1280, layer scale 1e-6, no stochastic depth. {@link Builder#setStages}
   * is required.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Shorthand for {@code builder().setStages(dims, depths).optKernelSize(kernelSize).build()}.
   *
   * @param kernelSize modulation kernel side
   * @param dims stage channels
   * @param depths stage depths
   * @return a 224x224, 1000-class configuration with the official other defaults
   */
  public static Conv2FormerConfig of(int kernelSize, List<Integer> dims, List<Integer> depths) {
    return builder().setStages(dims, depths).optKernelSize(kernelSize).build();
  }

  /**
   * @return a builder holding this configuration, to derive variants from it
   */
  public Builder toBuilder() {
    return builder()
        .setStages(dims, depths)
        .optKernelSize(kernelSize)
        .optHeadWidth(headWidth)
        .optLayerScaleInit(layerScaleInit)
        .optImgSize(imgSize)
        .optInChans(inChans)
        .optNumClasses(numClasses)
        .optMlpRatio(mlpRatio)
        .optDropPathRate(dropPathRate);
  }

  @Override
  public Conv2FormerConfig withNumClasses(int n) {
    return toBuilder().optNumClasses(n).build();
  }

  @Override
  public Conv2FormerConfig withDropPathRate(float rate) {
    return toBuilder().optDropPathRate(rate).build();
  }

  /**
   * @param size square input side
   * @return this configuration for another input size
   */
  public Conv2FormerConfig withImgSize(int size) {
    return toBuilder().optImgSize(size).build();
  }

  /**
   * @param width head convolution channels
   * @return this configuration with another head width
   */
  public Conv2FormerConfig withHeadWidth(int width) {
    return toBuilder().optHeadWidth(width).build();
  }

  /** Builds a {@link Conv2FormerConfig}; validation happens in {@link #build()}. */
  public static final class Builder extends BackboneBuilder<Builder> {
    private List<Integer> dims;
    private List<Integer> depths;
    private int kernelSize = 7;
    private int headWidth = 1280;
    private float layerScaleInit = 1e-6f;

    private Builder() {}

    @Override
    protected Builder self() {
      return this;
    }

    /**
     * @param dims channels of the four stages
     * @param depths blocks per stage
     * @return this
     */
    public Builder setStages(List<Integer> dims, List<Integer> depths) {
      this.dims = dims;
      this.depths = depths;
      return this;
    }

    /**
     * @param kernelSize side of the depth-wise modulation kernel (odd)
     * @return this
     */
    public Builder optKernelSize(int kernelSize) {
      this.kernelSize = kernelSize;
      return this;
    }

    /**
     * @param headWidth channels of the head's 1x1 convolution
     * @return this
     */
    public Builder optHeadWidth(int headWidth) {
      this.headWidth = headWidth;
      return this;
    }

    /**
     * @param layerScaleInit initial layer scale
     * @return this
     */
    public Builder optLayerScaleInit(float layerScaleInit) {
      this.layerScaleInit = layerScaleInit;
      return this;
    }

    /**
     * @return the validated configuration
     * @throws IllegalArgumentException if the stages are missing or the MLP ratio is not a whole
     *     number (the official MLP widths are {@code dim * mlp_ratio} channels)
     */
    public Conv2FormerConfig build() {
      if (dims == null || depths == null) {
        throw new IllegalArgumentException(
            "Conv2Former needs setStages(dims, depths), got dims " + dims + ", depths " + depths);
      }
      if (mlpRatio != Math.rint(mlpRatio)) {
        throw new IllegalArgumentException(
            "Conv2Former's mlpRatio must be a whole number, got " + mlpRatio);
      }
      return new Conv2FormerConfig(
          imgSize,
          inChans,
          numClasses,
          kernelSize,
          dims,
          depths,
          (int) mlpRatio,
          headWidth,
          layerScaleInit,
          dropPathRate);
    }
  }

  @Override
  public String family() {
    return "conv2former";
  }

  @Override
  public Conv2Former newBlock() {
    return new Conv2Former(this);
  }

  @Override
  public Shape inputShape() {
    return new Shape(inChans, imgSize, imgSize);
  }
}
