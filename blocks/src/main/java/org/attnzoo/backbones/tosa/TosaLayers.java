package org.attnzoo.backbones.tosa;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.attnzoo.backbones.vit.VitBlock;
import org.attnzoo.backbones.vit.VitConfig;
import org.attnzoo.backbones.vit.VitLayerArgs;
import org.attnzoo.backbones.vit.VitLayerFactory;

/**
 * The ToSA layout of a {@link org.attnzoo.backbones.vit.VisionTransformer} (Singh et al., 2024):
 * which layers are {@link TokenSelectiveBlock}s and how many tokens they keep. Put it into a {@link
 * VitConfig} with {@code optLayers}; the backbone stays the plain ViT.
 *
 * <p>Each selective layer {@code i} reads the attention maps of layer {@code i - 1}, which is
 * therefore a dense {@link AttentionPassingBlock}: selective layers start at 1 and are never
 * adjacent. {@link #alternate} gives the paper's alternating layout (every second layer selective).
 *
 * @param keepRatio share of the patch tokens that take part in a selective layer, in (0, 1]
 * @param selectiveLayers indices of the selective layers (ascending, distinct)
 * @param selectorHidden hidden channels of each selector, or 0 for the number of heads
 * @param selectorKernel odd kernel size of the selectors' 1-D convolutions
 */
public record TosaLayers(
    double keepRatio, List<Integer> selectiveLayers, int selectorHidden, int selectorKernel)
    implements VitLayerFactory {

  /** The default selector kernel size (the paper does not give one). */
  public static final int DEFAULT_KERNEL = 3;

  /** Validates what does not depend on the depth; {@link #validate} checks the rest. */
  public TosaLayers {
    TokenSelector.checkKeepRatio(keepRatio);
    TokenSelector.checkKernel(selectorKernel);
    if (selectorHidden < 0) {
      throw new IllegalArgumentException(
          "ToSA selectorHidden must be >= 0 (0: number of heads), got " + selectorHidden);
    }
    selectiveLayers = List.copyOf(selectiveLayers);
    for (int i = 1; i < selectiveLayers.size(); i++) {
      if (selectiveLayers.get(i) <= selectiveLayers.get(i - 1)) {
        throw new IllegalArgumentException(
            "ToSA selectiveLayers must be ascending and distinct, got " + selectiveLayers);
      }
      if (selectiveLayers.get(i) == selectiveLayers.get(i - 1) + 1) {
        throw new IllegalArgumentException(
            "ToSA layer "
                + selectiveLayers.get(i)
                + " reads the attention maps of layer "
                + selectiveLayers.get(i - 1)
                + ", which must be dense; selective layers cannot be adjacent, got "
                + selectiveLayers);
      }
    }
  }

  /**
   * Every second layer selective, starting at layer 1 (1, 3, 5, ...), with the default selector.
   *
   * @param depth the number of layers
   * @param keepRatio share of the patch tokens kept in selective layers
   * @return the layout
   */
  public static TosaLayers alternate(int depth, double keepRatio) {
    return alternate(depth, keepRatio, 0);
  }

  /**
   * Every second layer selective, starting at layer 1 (1, 3, 5, ...), with selectors of {@code
   * selectorHidden} hidden channels.
   *
   * @param depth the number of layers
   * @param keepRatio share of the patch tokens kept in selective layers
   * @param selectorHidden hidden channels of each selector, or 0 for the number of heads
   * @return the layout
   */
  public static TosaLayers alternate(int depth, double keepRatio, int selectorHidden) {
    List<Integer> layers = new ArrayList<>();
    for (int i = 1; i < depth; i += 2) {
      layers.add(i);
    }
    return new TosaLayers(keepRatio, layers, selectorHidden, DEFAULT_KERNEL);
  }

  @Override
  public void validate(int depth) {
    for (int i : selectiveLayers) {
      if (i < 1 || i >= depth) {
        throw new IllegalArgumentException(
            String.format(
                "ToSA selective layer %d out of range: must be in [1, %d] (layer 0 has no previous"
                    + " attention map; depth %d), got %s",
                i, depth - 1, depth, selectiveLayers));
      }
    }
  }

  @Override
  public VitBlock create(VitLayerArgs args) {
    Set<Integer> selective = new TreeSet<>(selectiveLayers);
    if (selective.contains(args.index())) {
      int heads = args.attention().numHeads();
      TokenSelector selector =
          new TokenSelector(
              heads,
              selectorHidden == 0 ? heads : selectorHidden,
              selectorKernel,
              keepRatio,
              args.prefixTokens());
      return new TokenSelectiveBlock(args, selector);
    }
    if (selective.contains(args.index() + 1)) {
      return new AttentionPassingBlock(args);
    }
    return args.dense();
  }

  /**
   * @param layer a layer index
   * @return whether that layer is selective
   */
  public boolean isSelective(int layer) {
    return selectiveLayers.contains(layer);
  }
}
