package org.attnzoo.zoo;

import java.util.Map;
import org.attnzoo.backbones.tosa.TosaLayers;
import org.attnzoo.backbones.vit.VitConfig;
import org.attnzoo.zoo.weights.ParamsFile;

/**
 * The ToSA variants' keep ratio: the one setting a ToSA model may be built with other than its
 * variant's, since its parameters do not depend on it. A training run chooses it ({@link
 * #withKeepRatio}); a {@code .params} file records it ({@link ParamsFile#TOSA_KEEP_RATIO}) and
 * {@link #storedLayout} builds the model as it was trained.
 */
public final class TosaVariants {

  private TosaVariants() {}

  /**
   * @param variant a variant
   * @return whether it is a ViT with {@link TosaLayers}
   */
  public static boolean isTosa(Variant variant) {
    return variant.config() instanceof VitConfig vit && vit.layers() instanceof TosaLayers;
  }

  /**
   * @param variant a ToSA variant
   * @return its layout
   * @throws IllegalArgumentException if it is not a ViT with {@link TosaLayers}
   */
  public static TosaLayers layers(Variant variant) {
    if (variant.config() instanceof VitConfig vit && vit.layers() instanceof TosaLayers t) {
      return t;
    }
    throw new IllegalArgumentException(
        "the ToSA recipe needs a ToSA variant (a ViT with TosaLayers, e.g. vit_micro_patch4_32_tosa),"
            + " got "
            + variant.name());
  }

  /**
   * @param keepRatio a keep ratio
   * @throws IllegalArgumentException unless it is in (0, 1]
   */
  public static void checkKeepRatio(double keepRatio) {
    if (!(keepRatio > 0 && keepRatio <= 1)) {
      throw new IllegalArgumentException(
          "ToSA keep ratio must be in (0, 1] (share of patch tokens a selective layer keeps), got "
              + keepRatio);
    }
  }

  /**
   * @param variant a ToSA variant
   * @param keepRatio a keep ratio in (0, 1], or null for the variant's
   * @return the variant with that keep ratio (same name and parameters)
   * @throws IllegalArgumentException if the variant is not ToSA or the ratio is out of range
   */
  public static Variant withKeepRatio(Variant variant, Double keepRatio) {
    TosaLayers t = layers(variant);
    if (keepRatio == null || keepRatio == t.keepRatio()) {
      return variant;
    }
    checkKeepRatio(keepRatio);
    VitConfig vit = (VitConfig) variant.config();
    TosaLayers layers =
        new TosaLayers(keepRatio, t.selectiveLayers(), t.selectorHidden(), t.selectorKernel());
    return new Variant(
        variant.name(),
        vit.toBuilder().optLayers(layers).build(),
        variant.data(),
        variant.reference());
  }

  /**
   * The variant as a weights file was trained: a ToSA model trained with another keep ratio than
   * its variant's is built with that ratio; any other variant, or a file without the property, is
   * built as asked.
   *
   * @param variant the variant asked for
   * @param properties the weights file's header properties
   * @return the variant to build
   */
  public static Variant storedLayout(Variant variant, Map<String, String> properties) {
    String keep = properties.get(ParamsFile.TOSA_KEEP_RATIO);
    return keep == null || !isTosa(variant)
        ? variant
        : withKeepRatio(variant, Double.parseDouble(keep));
  }
}
