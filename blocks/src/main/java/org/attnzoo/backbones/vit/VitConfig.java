package org.attnzoo.backbones.vit;

import ai.djl.ndarray.types.Shape;
import org.attnzoo.attention.AttentionMechanisms;
import org.attnzoo.backbones.BackboneBuilder;
import org.attnzoo.backbones.BackboneConfig;
import org.attnzoo.nn.Checks;

/**
 * Hyper-parameters of a {@link VisionTransformer}, named as timm's {@code VisionTransformer}
 * arguments.
 *
 * @param imgSize square input side in pixels
 * @param patchSize square patch side
 * @param inChans input channels
 * @param numClasses classifier outputs (0: pooled features)
 * @param embedDim token channels
 * @param depth transformer layers
 * @param numHeads attention heads
 * @param mlpRatio MLP hidden width relative to embedDim
 * @param qkvBias bias in the q, k, v projections
 * @param classToken prepend a learned class token
 * @param globalPool {@code "token"} (class token) or {@code "avg"} (mean of patch tokens)
 * @param layerScaleInit initial layer-scale value, or null for none
 * @param dropPathRate stochastic depth of the last layer (linear from 0 over depth)
 * @param attention token-mixing mechanism, see {@link AttentionMechanisms}
 * @param layers builds each layer ({@link VitLayerFactory#DENSE}: the standard layer everywhere;
 *     token-selection methods such as ToSA swap in their own layers)
 */
public record VitConfig(
    int imgSize,
    int patchSize,
    int inChans,
    int numClasses,
    int embedDim,
    int depth,
    int numHeads,
    double mlpRatio,
    boolean qkvBias,
    boolean classToken,
    String globalPool,
    Float layerScaleInit,
    float dropPathRate,
    String attention,
    VitLayerFactory layers)
    implements BackboneConfig {

  /** Validates the configuration with messages naming the offending values. */
  public VitConfig {
    Checks.positive("imgSize", imgSize);
    Checks.positive("patchSize", patchSize);
    Checks.divisible("imgSize", imgSize, "patchSize", patchSize);
    Checks.positive("inChans", inChans);
    Checks.positive("depth", depth);
    Checks.divisible("embedDim", embedDim, "numHeads", numHeads);
    Checks.nonNegative("numClasses", numClasses);
    if (!"token".equals(globalPool) && !"avg".equals(globalPool)) {
      throw new IllegalArgumentException(
          "globalPool must be 'token' or 'avg', got '" + globalPool + "'");
    }
    if ("token".equals(globalPool) && !classToken) {
      throw new IllegalArgumentException("globalPool 'token' needs classToken=true");
    }
    Checks.probability("dropPathRate", dropPathRate);
    AttentionMechanisms.get(attention); // fails early, listing the known mechanisms
    if (layers == null) {
      throw new IllegalArgumentException("layers must not be null; use VitLayerFactory.DENSE");
    }
    layers.validate(depth);
  }

  /**
   * A builder preset with timm's defaults: 3 channels, class token with token pooling, qkv bias,
   * MLP ratio 4, no layer scale, no stochastic depth, multi-head self-attention.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public VitConfig withNumClasses(int n) {
    return toBuilder().optNumClasses(n).build();
  }

  @Override
  public VitConfig withDropPathRate(float rate) {
    return toBuilder().optDropPathRate(rate).build();
  }

  /**
   * @return a builder holding this configuration, to derive variants from it
   */
  public Builder toBuilder() {
    return builder()
        .setImage(imgSize, patchSize)
        .setSize(embedDim, depth, numHeads)
        .optInChans(inChans)
        .optNumClasses(numClasses)
        .optMlpRatio(mlpRatio)
        .optQkvBias(qkvBias)
        .optPooling(classToken, globalPool)
        .optLayerScaleInit(layerScaleInit)
        .optDropPathRate(dropPathRate)
        .optAttention(attention)
        .optLayers(layers);
  }

  /** Builds a {@link VitConfig}; validation happens in {@link #build()}. */
  public static final class Builder extends BackboneBuilder<Builder> {
    private int patchSize = 16;
    private int embedDim = 768;
    private int depth = 12;
    private int numHeads = 12;
    private boolean qkvBias = true;
    private boolean classToken = true;
    private String globalPool = "token";
    private Float layerScaleInit;
    private String attention = "mhsa";
    private VitLayerFactory layers = VitLayerFactory.DENSE;

    private Builder() {}

    @Override
    protected Builder self() {
      return this;
    }

    /**
     * @param imgSize input side; @param patchSize patch side
     * @return this
     */
    public Builder setImage(int imgSize, int patchSize) {
      this.imgSize = imgSize;
      this.patchSize = patchSize;
      return this;
    }

    /**
     * @param embedDim token channels; @param depth layers; @param numHeads heads
     * @return this
     */
    public Builder setSize(int embedDim, int depth, int numHeads) {
      this.embedDim = embedDim;
      this.depth = depth;
      this.numHeads = numHeads;
      return this;
    }

    /**
     * @param qkvBias bias in the qkv projection
     * @return this
     */
    public Builder optQkvBias(boolean qkvBias) {
      this.qkvBias = qkvBias;
      return this;
    }

    /**
     * @param classToken whether to prepend a class token
     * @param globalPool "token" or "avg"
     * @return this
     */
    public Builder optPooling(boolean classToken, String globalPool) {
      this.classToken = classToken;
      this.globalPool = globalPool;
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
     * @param attention mechanism name, see {@link AttentionMechanisms}
     * @return this
     */
    public Builder optAttention(String attention) {
      this.attention = attention;
      return this;
    }

    /**
     * @param layers builds each layer, see {@link VitLayerFactory}
     * @return this
     */
    public Builder optLayers(VitLayerFactory layers) {
      this.layers = layers;
      return this;
    }

    /**
     * @return the validated configuration
     */
    public VitConfig build() {
      return new VitConfig(
          imgSize,
          patchSize,
          inChans,
          numClasses,
          embedDim,
          depth,
          numHeads,
          mlpRatio,
          qkvBias,
          classToken,
          globalPool,
          layerScaleInit,
          dropPathRate,
          attention,
          layers);
    }
  }

  /**
   * @return patch tokens per image
   */
  public int numPatches() {
    return (imgSize / patchSize) * (imgSize / patchSize);
  }

  @Override
  public String family() {
    return "vit";
  }

  @Override
  public VisionTransformer newBlock() {
    return new VisionTransformer(this);
  }

  @Override
  public Shape inputShape() {
    return new Shape(inChans, imgSize, imgSize);
  }
}
