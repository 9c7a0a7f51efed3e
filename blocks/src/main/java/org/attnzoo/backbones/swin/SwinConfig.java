package org.attnzoo.backbones.swin;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.attnzoo.backbones.BackboneBuilder;
import org.attnzoo.backbones.BackboneConfig;
import org.attnzoo.nn.Checks;

/**
 * Hyper-parameters of a {@link SwinTransformer}, named as timm's {@code SwinTransformer} arguments.
 * Stage {@code i} has {@code embedDim * 2^i} channels and {@code depths[i]} blocks with {@code
 * numHeads[i]} heads.
 *
 * @param imgSize square input side in pixels
 * @param patchSize square patch side
 * @param inChans input channels
 * @param numClasses classifier outputs (0: pooled features)
 * @param embedDim channels of the first stage
 * @param depths blocks per stage
 * @param numHeads attention heads per stage
 * @param windowSize target window side (shrinks on stages whose resolution is not larger)
 * @param mlpRatio MLP hidden width relative to the stage width
 * @param qkvBias bias in the q, k, v projections
 * @param dropPathRate stochastic depth of the last block (linear from 0 over all blocks, timm)
 */
public record SwinConfig(
    int imgSize,
    int patchSize,
    int inChans,
    int numClasses,
    int embedDim,
    List<Integer> depths,
    List<Integer> numHeads,
    int windowSize,
    double mlpRatio,
    boolean qkvBias,
    float dropPathRate)
    implements BackboneConfig {

  /** timm's Swin uses {@code nn.LayerNorm} with its default eps. */
  public static final float NORM_EPS = 1e-5f;

  /** Validates the configuration with messages naming the offending values. */
  public SwinConfig {
    Checks.positive("imgSize", imgSize);
    Checks.positive("patchSize", patchSize);
    Checks.divisible("imgSize", imgSize, "patchSize", patchSize);
    Checks.positive("inChans", inChans);
    Checks.positive("embedDim", embedDim);
    Checks.positive("windowSize", windowSize);
    Checks.nonNegative("numClasses", numClasses);
    depths = List.copyOf(depths);
    numHeads = List.copyOf(numHeads);
    if (depths.isEmpty() || depths.size() != numHeads.size()) {
      throw new IllegalArgumentException(
          "depths " + depths + " and numHeads " + numHeads + " must be non-empty and equally long");
    }
    for (int i = 0; i < depths.size(); i++) {
      Checks.positive("depths[" + i + "]", depths.get(i));
      Checks.positive("numHeads[" + i + "]", numHeads.get(i));
      Checks.divisible("stage " + i + " width", (long) embedDim << i, "numHeads", numHeads.get(i));
    }
    // timm sizes each stage from grid / 2^i; an odd size before a merge would make PatchMerging's
    // padded output disagree with the resolution the next stage's masks were built for.
    int grid = imgSize / patchSize;
    int merges = 1 << (depths.size() - 1);
    if (grid % merges != 0) {
      throw new IllegalArgumentException(
          String.format(
              "the patch grid %d (imgSize %d / patchSize %d) must be divisible by %d so that every"
                  + " patch merging sees an even resolution",
              grid, imgSize, patchSize, merges));
    }
    Checks.probability("dropPathRate", dropPathRate);
  }

  /**
   * A builder preset with timm's Swin-T: 224 pixels, patch 4, window 7, width 96, depths 2,2,6,2,
   * heads 3,6,12,24, MLP ratio 4, qkv bias, 1000 classes, stochastic depth 0.1.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public SwinConfig withNumClasses(int n) {
    return toBuilder().optNumClasses(n).build();
  }

  @Override
  public SwinConfig withDropPathRate(float rate) {
    return toBuilder().optDropPathRate(rate).build();
  }

  /**
   * @return a builder holding this configuration, to derive variants from it
   */
  public Builder toBuilder() {
    return builder()
        .setImage(imgSize, patchSize, windowSize)
        .setSize(embedDim, depths, numHeads)
        .optInChans(inChans)
        .optNumClasses(numClasses)
        .optMlpRatio(mlpRatio)
        .optQkvBias(qkvBias)
        .optDropPathRate(dropPathRate);
  }

  /** Builds a {@link SwinConfig}; validation happens in {@link #build()}. */
  public static final class Builder extends BackboneBuilder<Builder> {
    private int patchSize = 4;
    private int embedDim = 96;
    private List<Integer> depths = List.of(2, 2, 6, 2);
    private List<Integer> numHeads = List.of(3, 6, 12, 24);
    private int windowSize = 7;
    private boolean qkvBias = true;

    private Builder() {
      dropPathRate = 0.1f;
    }

    @Override
    protected Builder self() {
      return this;
    }

    /**
     * @param imgSize input side
     * @param patchSize patch side
     * @param windowSize window side
     * @return this
     */
    public Builder setImage(int imgSize, int patchSize, int windowSize) {
      this.imgSize = imgSize;
      this.patchSize = patchSize;
      this.windowSize = windowSize;
      return this;
    }

    /**
     * @param embedDim width of the first stage
     * @param depths blocks per stage
     * @param numHeads heads per stage
     * @return this
     */
    public Builder setSize(int embedDim, List<Integer> depths, List<Integer> numHeads) {
      this.embedDim = embedDim;
      this.depths = depths;
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
     * @return the validated configuration
     */
    public SwinConfig build() {
      return new SwinConfig(
          imgSize,
          patchSize,
          inChans,
          numClasses,
          embedDim,
          depths,
          numHeads,
          windowSize,
          mlpRatio,
          qkvBias,
          dropPathRate);
    }
  }

  /**
   * @return the number of stages
   */
  public int numStages() {
    return depths.size();
  }

  /**
   * @param stage a stage index
   * @return its channels, {@code embedDim * 2^stage}
   */
  public int stageDim(int stage) {
    return embedDim << stage;
  }

  /**
   * @param stage a stage index
   * @return its (square) resolution in tokens, {@code imgSize / patchSize / 2^stage}
   */
  public int stageResolution(int stage) {
    return imgSize / patchSize >> stage;
  }

  /**
   * @return channels of the final feature map and of the pooled features
   */
  public int numFeatures() {
    return stageDim(numStages() - 1);
  }

  @Override
  public String family() {
    return "swin";
  }

  @Override
  public SwinTransformer newBlock() {
    return new SwinTransformer(this);
  }

  @Override
  public Shape inputShape() {
    return new Shape(inChans, imgSize, imgSize);
  }
}
