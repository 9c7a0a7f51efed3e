package org.attnzoo.backbones.swiftformer;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.attnzoo.attention.TokenMixer;
import org.attnzoo.backbones.BackboneBuilder;
import org.attnzoo.backbones.BackboneConfig;
import org.attnzoo.nn.Checks;

/**
 * Hyper-parameters of a {@link SwiftFormer}, named as timm's {@code SwiftFormer} arguments; one
 * entry per stage in each list.
 *
 * @param imgSize square input side the variant is trained at (the network accepts other sizes)
 * @param inChans input channels
 * @param numClasses outputs of the classifier and of the distillation classifier (0: pooled
 *     features)
 * @param layers encoders per stage (the last of each stage is a SwiftFormer encoder, the rest
 *     convolution encoders)
 * @param embedDims channels per stage
 * @param downsamples whether the stage starts with a stride-2 3x3 convolution embedding
 * @param mlpRatio MLP hidden width relative to the stage width
 * @param dropRate dropout inside the MLPs and before the classifiers
 * @param dropPathRate stochastic depth of the last encoder (linear from 0 over all encoders)
 * @param layerScaleInit initial attention/MLP layer scale, or null for no layer scales
 * @param attention token mixer of the SwiftFormer encoders ({@link TokenMixer#ADDITIVE} in
 *     SwiftFormer)
 */
public record SwiftFormerConfig(
    int imgSize,
    int inChans,
    int numClasses,
    List<Integer> layers,
    List<Integer> embedDims,
    List<Boolean> downsamples,
    double mlpRatio,
    float dropRate,
    float dropPathRate,
    Float layerScaleInit,
    TokenMixer attention)
    implements BackboneConfig {

  /** Validates the configuration with messages naming the offending values. */
  public SwiftFormerConfig {
    layers = List.copyOf(layers);
    embedDims = List.copyOf(embedDims);
    downsamples = List.copyOf(downsamples);
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("SwiftFormer needs at least one stage, got layers []");
    }
    if (embedDims.size() != layers.size() || downsamples.size() != layers.size()) {
      throw new IllegalArgumentException(
          String.format(
              "embedDims %s and downsamples %s need one entry per stage (%d, as layers %s)",
              embedDims, downsamples, layers.size(), layers));
    }
    Checks.positive("inChans", inChans);
    Checks.nonNegative("numClasses", numClasses);
    for (int i = 0; i < layers.size(); i++) {
      Checks.positive("layers[" + i + "]", layers.get(i));
      Checks.positive("embedDims[" + i + "]", embedDims.get(i));
      long previous = i == 0 ? embedDims.get(0) : embedDims.get(i - 1);
      if (!downsamples.get(i) && previous != embedDims.get(i)) {
        throw new IllegalArgumentException(
            String.format(
                "stage %d has no downsampling, so it needs %d channels as its input, got"
                    + " embedDims[%d] = %d",
                i, previous, i, embedDims.get(i)));
      }
    }
    if (embedDims.get(0) < 2) {
      throw new IllegalArgumentException(
          "embedDims[0] must be >= 2 (the stem halves it), got " + embedDims.get(0));
    }
    if (!(mlpRatio > 0)) {
      throw new IllegalArgumentException("mlpRatio must be > 0, got " + mlpRatio);
    }
    Checks.positive("imgSize", imgSize);
    Checks.probability("dropRate", dropRate);
    Checks.probability("dropPathRate", dropPathRate);
    if (attention == null) {
      throw new IllegalArgumentException("attention must be a TokenMixer, got null");
    }
  }

  /**
   * A builder preset with timm's {@code SwiftFormer} defaults (swiftformer_xs): 224x224 RGB, 1000
   * classes, layers 3,3,6,4, dims 48,56,112,220, downsampling in stages 1-3, MLP ratio 4, layer
   * scale 1e-5, efficient additive attention.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public SwiftFormerConfig withNumClasses(int n) {
    return toBuilder().optNumClasses(n).build();
  }

  @Override
  public SwiftFormerConfig withDropPathRate(float rate) {
    return toBuilder().optDropPathRate(rate).build();
  }

  /**
   * @return a builder holding this configuration, to derive variants from it
   */
  public Builder toBuilder() {
    return builder()
        .setStages(layers, embedDims)
        .optDownsamples(downsamples)
        .optImgSize(imgSize)
        .optInChans(inChans)
        .optNumClasses(numClasses)
        .optMlpRatio(mlpRatio)
        .optDropRate(dropRate)
        .optDropPathRate(dropPathRate)
        .optLayerScaleInit(layerScaleInit)
        .optAttention(attention);
  }

  /** Builds a {@link SwiftFormerConfig}; validation happens in {@link #build()}. */
  public static final class Builder extends BackboneBuilder<Builder> {
    private List<Integer> layers = List.of(3, 3, 6, 4);
    private List<Integer> embedDims = List.of(48, 56, 112, 220);
    private List<Boolean> downsamples = List.of(false, true, true, true);
    private float dropRate;
    private Float layerScaleInit = 1e-5f;
    private TokenMixer attention = TokenMixer.ADDITIVE;

    private Builder() {}

    @Override
    protected Builder self() {
      return this;
    }

    /**
     * @param layers encoders per stage
     * @param embedDims channels per stage
     * @return this
     */
    public Builder setStages(List<Integer> layers, List<Integer> embedDims) {
      this.layers = layers;
      this.embedDims = embedDims;
      return this;
    }

    /**
     * @param downsamples whether each stage downsamples
     * @return this
     */
    public Builder optDownsamples(List<Boolean> downsamples) {
      this.downsamples = downsamples;
      return this;
    }

    /**
     * @param dropRate dropout in the MLPs and before the classifiers
     * @return this
     */
    public Builder optDropRate(float dropRate) {
      this.dropRate = dropRate;
      return this;
    }

    /**
     * @param layerScaleInit initial layer scale, or null for none
     * @return this
     */
    public Builder optLayerScaleInit(Float layerScaleInit) {
      this.layerScaleInit = layerScaleInit;
      return this;
    }

    /**
     * @param attention token mixer
     * @return this
     */
    public Builder optAttention(TokenMixer attention) {
      this.attention = attention;
      return this;
    }

    /**
     * @return the validated configuration
     */
    public SwiftFormerConfig build() {
      return new SwiftFormerConfig(
          imgSize,
          inChans,
          numClasses,
          layers,
          embedDims,
          downsamples,
          mlpRatio,
          dropRate,
          dropPathRate,
          layerScaleInit,
          attention);
    }
  }

  /**
   * @return encoders over all stages
   */
  public int totalDepth() {
    return layers.stream().mapToInt(Integer::intValue).sum();
  }

  @Override
  public String family() {
    return "swiftformer";
  }

  @Override
  public SwiftFormer newBlock() {
    return new SwiftFormer(this);
  }

  @Override
  public Shape inputShape() {
    return new Shape(inChans, imgSize, imgSize);
  }
}
