package org.attnzoo.backbones.efficientvit;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.attnzoo.backbones.BackboneConfig;
import org.attnzoo.nn.Checks;

/**
 * Hyper-parameters of an {@link EfficientVit} (the B series), named as timm's {@code EfficientVit}
 * arguments.
 *
 * @param imgSize square input side the variant is meant for (the network is fully convolutional)
 * @param inChans input channels
 * @param numClasses classifier outputs (0: pre-logits of width {@code headWidths[1]})
 * @param widths channels of the stem and the four stages
 * @param depths stem blocks and blocks per stage (timm's counting)
 * @param headDim channels per attention head
 * @param expandRatio inverted-bottleneck expansion
 * @param headWidths widths of the head's 1x1 convolution and pre-logits
 * @param dropRate dropout before the classifier
 */
public record EfficientVitConfig(
    int imgSize,
    int inChans,
    int numClasses,
    List<Integer> widths,
    List<Integer> depths,
    int headDim,
    double expandRatio,
    List<Integer> headWidths,
    float dropRate)
    implements BackboneConfig {

  /** Validates the configuration with messages naming the offending values. */
  public EfficientVitConfig {
    Checks.positive("imgSize", imgSize);
    Checks.positive("inChans", inChans);
    Checks.nonNegative("numClasses", numClasses);
    if (widths.size() != 5 || depths.size() != 5) {
      throw new IllegalArgumentException(
          "EfficientViT needs 5 widths and 5 depths (stem + 4 stages), got widths "
              + widths
              + " and depths "
              + depths);
    }
    widths.forEach(w -> Checks.positive("widths entry", w));
    depths.forEach(d -> Checks.positive("depths entry", d));
    for (int i = 3; i < 5; i++) {
      if (widths.get(i) < headDim) {
        throw new IllegalArgumentException(
            "attention stage width " + widths.get(i) + " is below headDim " + headDim);
      }
    }
    if (headWidths.size() != 2) {
      throw new IllegalArgumentException("headWidths needs 2 entries, got " + headWidths);
    }
    Checks.positive("headDim", headDim);
    Checks.probability("dropRate", dropRate);
    widths = List.copyOf(widths);
    depths = List.copyOf(depths);
    headWidths = List.copyOf(headWidths);
  }

  /**
   * @param widths stem and stage channels
   * @param depths stem and stage depths
   * @param headDim channels per head
   * @param headWidths head widths
   * @return a 224x224, 1000-class configuration with timm's defaults (expansion 4, no dropout)
   */
  public static EfficientVitConfig of(
      List<Integer> widths, List<Integer> depths, int headDim, List<Integer> headWidths) {
    return new EfficientVitConfig(224, 3, 1000, widths, depths, headDim, 4.0, headWidths, 0f);
  }

  /**
   * @return timm's {@code efficientvit_b0}
   */
  public static EfficientVitConfig b0() {
    return of(List.of(8, 16, 32, 64, 128), List.of(1, 2, 2, 2, 2), 16, List.of(1024, 1280));
  }

  /**
   * @return timm's {@code efficientvit_b1}
   */
  public static EfficientVitConfig b1() {
    return of(List.of(16, 32, 64, 128, 256), List.of(1, 2, 3, 3, 4), 16, List.of(1536, 1600));
  }

  /**
   * @return timm's {@code efficientvit_b2}
   */
  public static EfficientVitConfig b2() {
    return of(List.of(24, 48, 96, 192, 384), List.of(1, 3, 4, 4, 6), 32, List.of(2304, 2560));
  }

  /**
   * @return timm's {@code efficientvit_b3}
   */
  public static EfficientVitConfig b3() {
    return of(List.of(32, 64, 128, 256, 512), List.of(1, 4, 6, 6, 9), 32, List.of(2304, 2560));
  }

  /**
   * @param n classifier outputs
   * @return this configuration with another classifier size
   */
  @Override
  public EfficientVitConfig withNumClasses(int n) {
    return new EfficientVitConfig(
        imgSize, inChans, n, widths, depths, headDim, expandRatio, headWidths, dropRate);
  }

  /**
   * @param size square input side
   * @return this configuration for another input size
   */
  public EfficientVitConfig withImgSize(int size) {
    return new EfficientVitConfig(
        size, inChans, numClasses, widths, depths, headDim, expandRatio, headWidths, dropRate);
  }

  @Override
  public String family() {
    return "efficientvit";
  }

  @Override
  public EfficientVit newBlock() {
    return new EfficientVit(this);
  }

  @Override
  public Shape inputShape() {
    return new Shape(inChans, imgSize, imgSize);
  }
}
