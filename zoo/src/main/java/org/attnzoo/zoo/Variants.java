package org.attnzoo.zoo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.attnzoo.backbones.swin.SwinConfig;
import org.attnzoo.backbones.tosa.TosaLayers;
import org.attnzoo.backbones.vit.VitConfig;

/**
 * The variant table: every model attnzoo knows, one row each. The zoo, the CLI's {@code list}, the
 * README table and the tests all iterate this one list.
 *
 * <p>Published variants use timm's names, configurations and exact parameter counts; the {@code
 * *_micro_*} rows are small configurations for tests and fast training (Fashion-MNIST, 32x32
 * grayscale).
 */
public final class Variants {

  private static final String TIMM = "timm 1.0.29 / results-imagenet.csv";

  private static final VitConfig VIT_TINY = VitConfig.builder().setSize(192, 12, 3).build();

  private static final VitConfig VIT_SMALL = VitConfig.builder().setSize(384, 12, 6).build();

  private static final VitConfig VIT_MICRO =
      VitConfig.builder()
          .setImage(32, 4)
          .setSize(64, 4, 4)
          .optInChans(1)
          .optNumClasses(10)
          .optMlpRatio(2)
          .build();

  /** Swin's published figures: Liu et al., 2021, Table 1 (ImageNet-1k, 224px; FLOPs are MACs). */
  private static final String SWIN_PAPER = "Liu et al. 2021, Table 1; params: timm 1.0.29";

  private static final SwinConfig SWIN_MICRO =
      SwinConfig.builder()
          .setImage(32, 2, 4)
          .setSize(16, List.of(2, 2, 2, 2), List.of(1, 2, 4, 8))
          .optInChans(1)
          .optNumClasses(10)
          .build();

  /** Every variant, in display order. */
  public static final List<Variant> ALL =
      List.of(
          new Variant(
              "vit_tiny_patch16_224",
              VIT_TINY,
              DataConfig.IMAGENET_INCEPTION,
              new Reference(5_717_416L, 1.26, 75.45, TIMM)),
          new Variant(
              "vit_small_patch16_224",
              VIT_SMALL,
              DataConfig.IMAGENET_INCEPTION,
              new Reference(22_050_664L, 4.61, 81.40, TIMM)),
          new Variant(
              "vit_base_patch16_224",
              VitConfig.builder().setSize(768, 12, 12).build(),
              DataConfig.IMAGENET_INCEPTION,
              new Reference(86_567_656L, 17.58, 84.53, TIMM)),
          new Variant(
              "swin_tiny_patch4_window7_224",
              SwinConfig.builder().build(),
              DataConfig.IMAGENET,
              new Reference(28_288_354L, 4.5, 81.3, SWIN_PAPER)),
          new Variant(
              "swin_small_patch4_window7_224",
              SwinConfig.builder().setSize(96, List.of(2, 2, 18, 2), List.of(3, 6, 12, 24)).build(),
              DataConfig.IMAGENET,
              new Reference(49_606_258L, 8.7, 83.0, SWIN_PAPER)),
          new Variant(
              "swin_base_patch4_window7_224",
              SwinConfig.builder()
                  .setSize(128, List.of(2, 2, 18, 2), List.of(4, 8, 16, 32))
                  .build(),
              DataConfig.IMAGENET,
              new Reference(87_768_224L, 15.4, 83.5, SWIN_PAPER)),
          new Variant(
              "vit_micro_patch4_32",
              VIT_MICRO,
              DataConfig.FASHION_MNIST,
              new Reference(139_978L, null, null, "attnzoo (training size)")),
          new Variant(
              "swin_micro_patch2_window4_32",
              SWIN_MICRO,
              DataConfig.FASHION_MNIST,
              new Reference(574_872L, null, null, "attnzoo (training size); params: timm 1.0.29")),
          // Kernel-linear attention in the ViT backbone. Every mechanism has the parameters of
          // MHSA (q, k, v and output projections with biases), so the counts equal timm's ViT;
          // computed with timm 1.0.29 after swapping in the official modules' parameter layout.
          linear(
              "vit_tiny_patch16_224", VIT_TINY, DataConfig.IMAGENET_INCEPTION, "elu", 5_717_416L),
          linear(
              "vit_small_patch16_224",
              VIT_SMALL,
              DataConfig.IMAGENET_INCEPTION,
              "elu",
              22_050_664L),
          linear("vit_micro_patch4_32", VIT_MICRO, DataConfig.FASHION_MNIST, "elu", 139_978L),
          linear(
              "vit_tiny_patch16_224",
              VIT_TINY,
              DataConfig.IMAGENET_INCEPTION,
              "cosformer",
              5_717_416L),
          linear(
              "vit_small_patch16_224",
              VIT_SMALL,
              DataConfig.IMAGENET_INCEPTION,
              "cosformer",
              22_050_664L),
          linear("vit_micro_patch4_32", VIT_MICRO, DataConfig.FASHION_MNIST, "cosformer", 139_978L),
          linear(
              "vit_tiny_patch16_224", VIT_TINY, DataConfig.IMAGENET_INCEPTION, "hydra", 5_717_416L),
          linear(
              "vit_small_patch16_224",
              VIT_SMALL,
              DataConfig.IMAGENET_INCEPTION,
              "hydra",
              22_050_664L),
          linear("vit_micro_patch4_32", VIT_MICRO, DataConfig.FASHION_MNIST, "hydra", 139_978L),
          linear(
              "vit_tiny_patch16_224", VIT_TINY, DataConfig.IMAGENET_INCEPTION, "sima", 5_717_416L),
          linear(
              "vit_small_patch16_224",
              VIT_SMALL,
              DataConfig.IMAGENET_INCEPTION,
              "sima",
              22_050_664L),
          linear("vit_micro_patch4_32", VIT_MICRO, DataConfig.FASHION_MNIST, "sima", 139_978L),
          // ToSA (Singh et al., CVPRW 2024): selective layers 1, 3, ..., 11 keep 70% of the patch
          // tokens. No published checkpoint or exact figures: parameters = the dense ViT's (timm)
          // + 6 selectors of 2 x (3 x 3 x 3 + 3) = 60.
          new Variant(
              "vit_tiny_patch16_224_tosa",
              VIT_TINY.toBuilder().optLayers(TosaLayers.alternate(12, 0.7)).build(),
              DataConfig.IMAGENET_INCEPTION,
              new Reference(
                  5_717_416L + 6 * 60, null, null, "timm vit_tiny_patch16_224 + ToSA selectors")),
          // Training size: selective layers 1 and 3 keep 50%; 2 selectors of 2 x (4 x 4 x 3 + 4).
          new Variant(
              "vit_micro_patch4_32_tosa",
              VIT_MICRO.toBuilder().optLayers(TosaLayers.alternate(4, 0.5)).build(),
              DataConfig.FASHION_MNIST,
              new Reference(
                  139_978L + 2 * 104, null, null, "attnzoo (training size) + ToSA selectors")));

  /**
   * A ViT variant with its attention replaced: named {@code <base>_<mechanism>}, no published
   * accuracy or MACs.
   */
  private static Variant linear(
      String base, VitConfig config, DataConfig data, String mechanism, long params) {
    return new Variant(
        base + "_" + mechanism,
        config.toBuilder().optAttention(mechanism).build(),
        data,
        new Reference(
            params,
            null,
            null,
            "attnzoo; params: timm 1.0.29 ViT with the official " + mechanism + " module"));
  }

  private static final Map<String, Variant> BY_NAME =
      ALL.stream()
          .collect(
              Collectors.toMap(
                  Variant::name,
                  v -> v,
                  (a, b) -> {
                    throw new IllegalStateException("duplicate variant " + a.name());
                  },
                  LinkedHashMap::new));

  private Variants() {}

  /**
   * @param name a variant name
   * @return the variant
   * @throws IllegalArgumentException listing the known names if {@code name} is unknown
   */
  public static Variant get(String name) {
    Variant v = BY_NAME.get(name);
    if (v == null) {
      throw new IllegalArgumentException(
          "Unknown variant '" + name + "'. Known variants: " + String.join(", ", BY_NAME.keySet()));
    }
    return v;
  }

  /**
   * @param name a variant name
   * @return whether the table has it
   */
  public static boolean contains(String name) {
    return BY_NAME.containsKey(name);
  }
}
