package org.attnzoo.backbones.tosa;

import org.attnzoo.backbones.vit.VitConfig;

/**
 * Analytic multiply-accumulate counts of a ViT's transformer layers per image, dense or with a
 * {@link TosaLayers} layout, the way fvcore/ptflops count them (a matrix product {@code [n, a] x
 * [a, b]} is {@code n a b} MACs; a 1-D convolution is output positions x kernel x in x out
 * channels). Patch embedding and head are left out: ToSA does not change them.
 */
public final class TosaCost {

  private TosaCost() {}

  /**
   * @param config a ViT configuration
   * @return tokens that take part in each layer: all of them in dense layers, {@link
   *     TokenSelector#keptTokens} in selective ones
   */
  public static long[] tokensPerLayer(VitConfig config) {
    int prefix = config.classToken() ? 1 : 0;
    long n = config.numPatches() + prefix;
    long[] tokens = new long[config.depth()];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] =
          config.layers() instanceof TosaLayers t && t.isSelective(i)
              ? TokenSelector.keptTokens(n, prefix, t.keepRatio())
              : n;
    }
    return tokens;
  }

  /**
   * The quadratic part: {@code q k^T} and {@code attn v} of every layer, {@code 2 n^2 C} for a
   * layer on {@code n} tokens.
   *
   * @param config a ViT configuration
   * @return MACs per image
   */
  public static long attentionMacs(VitConfig config) {
    long macs = 0;
    for (long n : tokensPerLayer(config)) {
      macs += 2 * n * n * config.embedDim();
    }
    return macs;
  }

  /**
   * The selectors' two 1-D convolutions, each over {@code N x N} positions of the full attention
   * map ({@code N} rows of length {@code N}).
   *
   * @param config a ViT configuration
   * @return MACs per image (0 for a dense ViT)
   */
  public static long selectorMacs(VitConfig config) {
    if (!(config.layers() instanceof TosaLayers t)) {
      return 0;
    }
    long n = config.numPatches() + (config.classToken() ? 1 : 0);
    long h = config.numHeads();
    long hidden = t.selectorHidden() == 0 ? h : t.selectorHidden();
    long perLayer = n * n * t.selectorKernel() * (h * hidden + hidden * h);
    return perLayer * t.selectiveLayers().size();
  }

  /**
   * Everything in the transformer layers: qkv and output projections, attention, MLP, and the
   * selectors.
   *
   * @param config a ViT configuration
   * @return MACs per image
   */
  public static long layerMacs(VitConfig config) {
    long c = config.embedDim();
    long mlpHidden = (long) (c * config.mlpRatio());
    long macs = attentionMacs(config) + selectorMacs(config);
    for (long n : tokensPerLayer(config)) {
      macs += n * c * 3 * c + n * c * c + 2 * n * c * mlpHidden;
    }
    return macs;
  }
}
