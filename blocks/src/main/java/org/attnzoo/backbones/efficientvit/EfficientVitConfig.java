package org.attnzoo.backbones.efficientvit;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.attnzoo.backbones.BackboneBuilder;
import org.attnzoo.backbones.BackboneConfig;
import org.attnzoo.nn.Checks;

/**
 * Hyper-parameters of an {@link EfficientVit} (the B series), named as timm's {@code EfficientVit}
 * arguments; built with {@link #builder()}. The published variants' numbers live in the zoo's
 * variant table.
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
   * A builder with timm's {@code EfficientVit} defaults: 224x224 RGB, 1000 classes, head dim 32,
   * expansion 4, no dropout. {@link Builder#setStages} and {@link Builder#setHead} are required.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Shorthand for {@code builder().setStages(widths, depths).setHead(...).optHeadDim(headDim)}.
   *
   * @param widths stem and stage channels
   * @param depths stem and stage depths
   * @param headDim channels per head
   * @param headWidths the head's convolution width and pre-logits width
   * @return a 224x224, 1000-class configuration with timm's other defaults
   */
  public static EfficientVitConfig of(
      List<Integer> widths, List<Integer> depths, int headDim, List<Integer> headWidths) {
    Builder b = builder().setStages(widths, depths).optHeadDim(headDim);
    b.headWidths = headWidths; // the record checks that there are two
    return b.build();
  }

  /**
   * @return a builder holding this configuration, to derive variants from it
   */
  public Builder toBuilder() {
    return builder()
        .setStages(widths, depths)
        .setHead(headWidths.get(0), headWidths.get(1))
        .optHeadDim(headDim)
        .optImgSize(imgSize)
        .optInChans(inChans)
        .optNumClasses(numClasses)
        .optExpandRatio(expandRatio)
        .optDropRate(dropRate);
  }

  @Override
  public EfficientVitConfig withNumClasses(int n) {
    return toBuilder().optNumClasses(n).build();
  }

  /**
   * @param size square input side
   * @return this configuration for another input size
   */
  public EfficientVitConfig withImgSize(int size) {
    return toBuilder().optImgSize(size).build();
  }

  /** Builds an {@link EfficientVitConfig}; validation happens in {@link #build()}. */
  public static final class Builder extends BackboneBuilder<Builder> {
    private List<Integer> widths;
    private List<Integer> depths;
    private List<Integer> headWidths;
    private int headDim = 32;
    private float dropRate;

    private Builder() {}

    @Override
    protected Builder self() {
      return this;
    }

    /**
     * @param widths channels of the stem and the four stages
     * @param depths stem blocks and blocks per stage (timm's counting)
     * @return this
     */
    public Builder setStages(List<Integer> widths, List<Integer> depths) {
      this.widths = widths;
      this.depths = depths;
      return this;
    }

    /**
     * @param convWidth channels of the head's 1x1 convolution ({@code head_widths[0]})
     * @param hidden width of the pre-logits ({@code head_widths[1]})
     * @return this
     */
    public Builder setHead(int convWidth, int hidden) {
      this.headWidths = List.of(convWidth, hidden);
      return this;
    }

    /**
     * @param headDim channels per attention head
     * @return this
     */
    public Builder optHeadDim(int headDim) {
      this.headDim = headDim;
      return this;
    }

    /**
     * timm's name for {@link #optMlpRatio}.
     *
     * @param expandRatio inverted-bottleneck expansion
     * @return this
     */
    public Builder optExpandRatio(double expandRatio) {
      return optMlpRatio(expandRatio);
    }

    /**
     * @param dropRate dropout before the classifier
     * @return this
     */
    public Builder optDropRate(float dropRate) {
      this.dropRate = dropRate;
      return this;
    }

    /**
     * @return the validated configuration
     * @throws IllegalArgumentException if stages or head are missing, or a drop-path rate is set
     *     (timm's EfficientViT has no stochastic depth)
     */
    public EfficientVitConfig build() {
      if (widths == null || depths == null || headWidths == null) {
        throw new IllegalArgumentException(
            "EfficientViT needs setStages(widths, depths) and setHead(convWidth, hidden), got"
                + " widths "
                + widths
                + ", depths "
                + depths
                + ", head widths "
                + headWidths);
      }
      if (dropPathRate != 0f) {
        throw new IllegalArgumentException(
            "efficientvit backbones have no stochastic depth; drop-path rate "
                + dropPathRate
                + " not applicable");
      }
      return new EfficientVitConfig(
          imgSize, inChans, numClasses, widths, depths, headDim, mlpRatio, headWidths, dropRate);
    }
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
