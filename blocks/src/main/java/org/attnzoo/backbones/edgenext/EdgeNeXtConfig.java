package org.attnzoo.backbones.edgenext;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.attnzoo.attention.TokenMixer;
import org.attnzoo.backbones.BackboneBuilder;
import org.attnzoo.backbones.BackboneConfig;
import org.attnzoo.nn.Checks;

/**
 * Hyper-parameters of an {@link EdgeNeXt}, named as timm's {@code EdgeNeXt} arguments; one entry
 * per stage in each list.
 *
 * @param imgSize square input side the variant is trained at (the network accepts other sizes)
 * @param inChans input channels
 * @param numClasses classifier outputs (0: pooled, normalised features)
 * @param depths encoders per stage
 * @param dims channels per stage
 * @param heads attention heads of the SDTA encoders per stage
 * @param globalBlockCounts SDTA encoders at the end of each stage (the rest are conv encoders)
 * @param kernelSizes depth-wise kernel side of the conv encoders per stage (odd)
 * @param d2Scales channel groups of the SDTA split per stage
 * @param usePosEmb whether the stage's SDTA encoders add the Fourier position encoding
 * @param expandRatio MLP hidden width relative to the stage width
 * @param layerScaleInit initial layer scale, or null for none
 * @param dropPathRate stochastic depth of the last encoder (linear from 0 over all encoders)
 * @param attention SDTA token mixer ({@link TokenMixer#XCA} in EdgeNeXt)
 */
public record EdgeNeXtConfig(
    int imgSize,
    int inChans,
    int numClasses,
    List<Integer> depths,
    List<Integer> dims,
    List<Integer> heads,
    List<Integer> globalBlockCounts,
    List<Integer> kernelSizes,
    List<Integer> d2Scales,
    List<Boolean> usePosEmb,
    double expandRatio,
    Float layerScaleInit,
    float dropPathRate,
    TokenMixer attention)
    implements BackboneConfig {

  /** Validates the configuration with messages naming the offending values. */
  public EdgeNeXtConfig {
    depths = List.copyOf(depths);
    dims = List.copyOf(dims);
    heads = List.copyOf(heads);
    globalBlockCounts = List.copyOf(globalBlockCounts);
    kernelSizes = List.copyOf(kernelSizes);
    d2Scales = List.copyOf(d2Scales);
    usePosEmb = List.copyOf(usePosEmb);
    int stages = depths.size();
    if (stages == 0) {
      throw new IllegalArgumentException("EdgeNeXt needs at least one stage, got depths []");
    }
    perStage("dims", dims, depths);
    perStage("heads", heads, depths);
    perStage("globalBlockCounts", globalBlockCounts, depths);
    perStage("kernelSizes", kernelSizes, depths);
    perStage("d2Scales", d2Scales, depths);
    perStage("usePosEmb", usePosEmb, depths);
    Checks.positive("inChans", inChans);
    Checks.nonNegative("numClasses", numClasses);
    int reduction = 4 << (stages - 1);
    if (imgSize < reduction) {
      throw new IllegalArgumentException(
          String.format("imgSize %d is below the total stride %d", imgSize, reduction));
    }
    for (int i = 0; i < stages; i++) {
      Checks.positive("depths[" + i + "]", depths.get(i));
      Checks.positive("dims[" + i + "]", dims.get(i));
      if (kernelSizes.get(i) < 1 || kernelSizes.get(i) % 2 == 0) {
        throw new IllegalArgumentException(
            "kernelSizes[" + i + "] must be odd and positive, got " + kernelSizes.get(i));
      }
      int global = globalBlockCounts.get(i);
      if (global < 0 || global > depths.get(i)) {
        throw new IllegalArgumentException(
            String.format(
                "globalBlockCounts[%d] must be in [0, depths[%d] = %d], got %d",
                i, i, depths.get(i), global));
      }
      if (global > 0) {
        Checks.divisible("dims[" + i + "]", dims.get(i), "heads[" + i + "]", heads.get(i));
        SdtaEncoder.groupWidth(dims.get(i), d2Scales.get(i));
      }
    }
    if (!(expandRatio > 0)) {
      throw new IllegalArgumentException("expandRatio must be > 0, got " + expandRatio);
    }
    Checks.probability("dropPathRate", dropPathRate);
    if (attention == null) {
      throw new IllegalArgumentException("attention must be a TokenMixer, got null");
    }
  }

  private static void perStage(String name, List<?> values, List<Integer> depths) {
    if (values.size() != depths.size()) {
      throw new IllegalArgumentException(
          String.format(
              "%s needs one entry per stage (%d, as depths %s), got %s",
              name, depths.size(), depths, values));
    }
  }

  /**
   * A builder preset with timm's {@code EdgeNeXt} defaults (the edgenext_small layout without its
   * dims): 256x256 RGB, 1000 classes, depths 3,3,9,3, dims 24,48,88,168, 8 heads, one SDTA encoder
   * in stages 1-3, kernels 3,5,7,9, splits 2,2,3,4, position encoding in stage 1, MLP ratio 4,
   * layer scale 1e-6, transposed attention.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public EdgeNeXtConfig withNumClasses(int n) {
    return toBuilder().optNumClasses(n).build();
  }

  @Override
  public EdgeNeXtConfig withDropPathRate(float rate) {
    return toBuilder().optDropPathRate(rate).build();
  }

  /**
   * @return a builder holding this configuration, to derive variants from it
   */
  public Builder toBuilder() {
    Builder b =
        builder()
            .setStages(depths, dims)
            .optImgSize(imgSize)
            .optInChans(inChans)
            .optNumClasses(numClasses)
            .optUsePosEmb(usePosEmb)
            .optExpandRatio(expandRatio)
            .optLayerScaleInit(layerScaleInit)
            .optDropPathRate(dropPathRate)
            .optAttention(attention);
    b.heads = heads;
    b.globalBlockCounts = globalBlockCounts;
    b.kernelSizes = kernelSizes;
    b.d2Scales = d2Scales;
    return b;
  }

  private static List<Integer> ints(int... values) {
    List<Integer> out = new ArrayList<>();
    for (int v : values) {
      out.add(v);
    }
    return out;
  }

  /** Builds an {@link EdgeNeXtConfig}; validation happens in {@link #build()}. */
  public static final class Builder extends BackboneBuilder<Builder> {
    private List<Integer> depths = ints(3, 3, 9, 3);
    private List<Integer> dims = ints(24, 48, 88, 168);
    private List<Integer> heads = ints(8, 8, 8, 8);
    private List<Integer> globalBlockCounts = ints(0, 1, 1, 1);
    private List<Integer> kernelSizes = ints(3, 5, 7, 9);
    private List<Integer> d2Scales = ints(2, 2, 3, 4);
    private List<Boolean> usePosEmb = List.of(false, true, false, false);
    private Float layerScaleInit = 1e-6f;
    private TokenMixer attention = TokenMixer.XCA;

    private Builder() {
      imgSize = 256;
    }

    @Override
    protected Builder self() {
      return this;
    }

    /**
     * @param depths encoders per stage
     * @param dims channels per stage
     * @return this
     */
    public Builder setStages(List<Integer> depths, List<Integer> dims) {
      this.depths = depths;
      this.dims = dims;
      return this;
    }

    /**
     * @param heads SDTA heads per stage
     * @return this
     */
    public Builder optHeads(int... heads) {
      this.heads = ints(heads);
      return this;
    }

    /**
     * @param counts SDTA encoders at the end of each stage
     * @return this
     */
    public Builder optGlobalBlockCounts(int... counts) {
      this.globalBlockCounts = ints(counts);
      return this;
    }

    /**
     * @param kernelSizes conv-encoder kernel per stage
     * @return this
     */
    public Builder optKernelSizes(int... kernelSizes) {
      this.kernelSizes = ints(kernelSizes);
      return this;
    }

    /**
     * @param d2Scales SDTA channel groups per stage
     * @return this
     */
    public Builder optD2Scales(int... d2Scales) {
      this.d2Scales = ints(d2Scales);
      return this;
    }

    /**
     * @param usePosEmb position encoding per stage
     * @return this
     */
    public Builder optUsePosEmb(List<Boolean> usePosEmb) {
      this.usePosEmb = usePosEmb;
      return this;
    }

    /**
     * timm's name for {@link #optMlpRatio}.
     *
     * @param expandRatio MLP hidden width relative to the stage width
     * @return this
     */
    public Builder optExpandRatio(double expandRatio) {
      return optMlpRatio(expandRatio);
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
     * @param attention SDTA token mixer
     * @return this
     */
    public Builder optAttention(TokenMixer attention) {
      this.attention = attention;
      return this;
    }

    /**
     * @return the validated configuration
     */
    public EdgeNeXtConfig build() {
      return new EdgeNeXtConfig(
          imgSize,
          inChans,
          numClasses,
          depths,
          dims,
          heads,
          globalBlockCounts,
          kernelSizes,
          d2Scales,
          usePosEmb,
          mlpRatio,
          layerScaleInit,
          dropPathRate,
          attention);
    }
  }

  /**
   * @return encoders over all stages
   */
  public int totalDepth() {
    return depths.stream().mapToInt(Integer::intValue).sum();
  }

  @Override
  public String family() {
    return "edgenext";
  }

  @Override
  public EdgeNeXt newBlock() {
    return new EdgeNeXt(this);
  }

  @Override
  public Shape inputShape() {
    return new Shape(inChans, imgSize, imgSize);
  }
}
