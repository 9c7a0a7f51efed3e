package org.attnzoo.backbones.conv2former;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.attnzoo.backbones.BackboneConfig;
import org.attnzoo.nn.Checks;

/**
 * Hyper-parameters of a {@link Conv2Former}, named as the official {@code Conv2Former} arguments
 * (HVision-NKU/Conv2Former, {@code models/conv2former.py}).
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
   * @param kernelSize modulation kernel side
   * @param dims stage channels
   * @param depths stage depths
   * @return a 224x224, 1000-class configuration with the official defaults
   */
  public static Conv2FormerConfig of(int kernelSize, List<Integer> dims, List<Integer> depths) {
    return new Conv2FormerConfig(224, 3, 1000, kernelSize, dims, depths, 4, 1280, 1e-6f, 0f);
  }

  /**
   * @return the official {@code conv2former_n} (kernel 7)
   */
  public static Conv2FormerConfig n() {
    return of(7, List.of(64, 128, 256, 512), List.of(2, 2, 8, 2));
  }

  /**
   * @return the official {@code conv2former_t} (kernel 11)
   */
  public static Conv2FormerConfig t() {
    return of(11, List.of(72, 144, 288, 576), List.of(3, 3, 12, 3));
  }

  /**
   * @return the official {@code conv2former_s} (kernel 11)
   */
  public static Conv2FormerConfig s() {
    return of(11, List.of(72, 144, 288, 576), List.of(4, 4, 32, 4));
  }

  /**
   * @return the official {@code conv2former_b} (kernel 11)
   */
  public static Conv2FormerConfig b() {
    return of(11, List.of(96, 192, 384, 768), List.of(4, 4, 34, 4));
  }

  /**
   * @param n classifier outputs
   * @return this configuration with another classifier size
   */
  @Override
  public Conv2FormerConfig withNumClasses(int n) {
    return new Conv2FormerConfig(
        imgSize,
        inChans,
        n,
        kernelSize,
        dims,
        depths,
        mlpRatio,
        headWidth,
        layerScaleInit,
        dropPathRate);
  }

  /**
   * @param size square input side
   * @return this configuration for another input size
   */
  public Conv2FormerConfig withImgSize(int size) {
    return new Conv2FormerConfig(
        size,
        inChans,
        numClasses,
        kernelSize,
        dims,
        depths,
        mlpRatio,
        headWidth,
        layerScaleInit,
        dropPathRate);
  }

  /**
   * @param width head convolution channels
   * @return this configuration with another head width
   */
  public Conv2FormerConfig withHeadWidth(int width) {
    return new Conv2FormerConfig(
        imgSize,
        inChans,
        numClasses,
        kernelSize,
        dims,
        depths,
        mlpRatio,
        width,
        layerScaleInit,
        dropPathRate);
  }

  /**
   * @param rate stochastic depth of the last block
   * @return this configuration with another drop-path rate
   */
  @Override
  public Conv2FormerConfig withDropPathRate(float rate) {
    return new Conv2FormerConfig(
        imgSize,
        inChans,
        numClasses,
        kernelSize,
        dims,
        depths,
        mlpRatio,
        headWidth,
        layerScaleInit,
        rate);
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
