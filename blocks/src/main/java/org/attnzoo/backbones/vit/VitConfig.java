package org.attnzoo.backbones.vit;

import ai.djl.ndarray.types.Shape;
import org.attnzoo.attention.TokenMixer;
import org.attnzoo.backbones.BackboneBuilder;
import org.attnzoo.backbones.BackboneConfig;
import org.attnzoo.nn.Checks;

/**
 * Hyper-parameters of a {@link VisionTransformer}, named as timm's {@code VisionTransformer}
 * arguments. The input may be non-square: timm's {@code img_size} is {@code (H, W)} or one side.
 *
 * @param imgHeight input height in pixels
 * @param imgWidth input width in pixels
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
 * @param attention token-mixing mechanism
 * @param layers builds each layer ({@link VitLayerFactory#DENSE}: the standard layer everywhere;
 *     token-selection methods such as ToSA swap in their own layers)
 */
public record VitConfig(
    int imgHeight,
    int imgWidth,
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
    TokenMixer attention,
    VitLayerFactory layers)
    implements BackboneConfig {

  /** Validates the configuration with messages naming the offending values. */
  public VitConfig {
    Checks.positive("imgHeight", imgHeight);
    Checks.positive("imgWidth", imgWidth);
    Checks.positive("patchSize", patchSize);
    if (imgHeight % patchSize != 0 || imgWidth % patchSize != 0) {
      throw new IllegalArgumentException(
          String.format(
              "imgSize %dx%d (HxW) is not divisible by patchSize %d: both sides must be multiples"
                  + " of the patch",
              imgHeight, imgWidth, patchSize));
    }
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
    if (attention == null) {
      throw new IllegalArgumentException("attention must be a TokenMixer, got null");
    }
    if (layers == null) {
      throw new IllegalArgumentException("layers must not be null; use VitLayerFactory.DENSE");
    }
    layers.validate(depth);
  }

  /**
   * A configuration with a square input, {@code imgSize x imgSize}; the other arguments as in the
   * canonical constructor.
   *
   * @param imgSize input side in pixels
   * @param patchSize square patch side
   * @param inChans input channels
   * @param numClasses classifier outputs (0: pooled features)
   * @param embedDim token channels
   * @param depth transformer layers
   * @param numHeads attention heads
   * @param mlpRatio MLP hidden width relative to embedDim
   * @param qkvBias bias in the q, k, v projections
   * @param classToken prepend a learned class token
   * @param globalPool {@code "token"} or {@code "avg"}
   * @param layerScaleInit initial layer-scale value, or null for none
   * @param dropPathRate stochastic depth of the last layer
   * @param attention token-mixing mechanism
   * @param layers builds each layer
   */
  public VitConfig(
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
      TokenMixer attention,
      VitLayerFactory layers) {
    this(
        imgSize,
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
        .setImage(imgHeight, imgWidth, patchSize)
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
    private TokenMixer attention = TokenMixer.MHSA;
    private VitLayerFactory layers = VitLayerFactory.DENSE;
    // null: square, imgSize x imgSize
    private Integer imgWidth;

    private Builder() {}

    @Override
    protected Builder self() {
      return this;
    }

    /**
     * @param imgSize square input side; @param patchSize patch side
     * @return this
     */
    public Builder setImage(int imgSize, int patchSize) {
      return setImage(imgSize, imgSize, patchSize);
    }

    /**
     * @param imgHeight input height; @param imgWidth input width; @param patchSize patch side
     * @return this
     */
    public Builder setImage(int imgHeight, int imgWidth, int patchSize) {
      this.patchSize = patchSize;
      return optImgSize(imgHeight, imgWidth);
    }

    /**
     * @param imgSize square input side in pixels
     * @return this
     */
    @Override
    public Builder optImgSize(int imgSize) {
      return optImgSize(imgSize, imgSize);
    }

    /**
     * A non-square input, as timm's {@code img_size=(H, W)}.
     *
     * @param imgHeight input height in pixels
     * @param imgWidth input width in pixels
     * @return this
     */
    public Builder optImgSize(int imgHeight, int imgWidth) {
      this.imgSize = imgHeight;
      this.imgWidth = imgWidth;
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
     * @param attention token mixer
     * @return this
     */
    public Builder optAttention(TokenMixer attention) {
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
          imgWidth == null ? imgSize : imgWidth,
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
    return gridHeight() * gridWidth();
  }

  /**
   * @return patch rows, timm's {@code patch_embed.grid_size[0]}
   */
  public int gridHeight() {
    return imgHeight / patchSize;
  }

  /**
   * @return patch columns, timm's {@code patch_embed.grid_size[1]}
   */
  public int gridWidth() {
    return imgWidth / patchSize;
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
    return new Shape(inChans, imgHeight, imgWidth);
  }
}
