package org.attnzoo.zoo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.attnzoo.attention.TokenMixer;
import org.attnzoo.backbones.conv2former.Conv2FormerConfig;
import org.attnzoo.backbones.edgenext.EdgeNeXtConfig;
import org.attnzoo.backbones.efficientvit.EfficientVitConfig;
import org.attnzoo.backbones.swiftformer.SwiftFormerConfig;
import org.attnzoo.backbones.swin.SwinConfig;
import org.attnzoo.backbones.tosa.TosaLayers;
import org.attnzoo.backbones.vit.VitConfig;

/**
 * The variant table: every model attnzoo knows, one row each. The zoo, the CLI's {@code list}, the
 * README table and the tests all iterate this one list.
 *
 * <p>Published variants use timm's names, configurations and exact parameter counts; the {@code
 * *_micro_*} and {@code *_mini_*} rows are small configurations for tests and fast training
 * (Fashion-MNIST, grayscale, at the row's input size: 28x28 or 32x32, or 64x64 for the hierarchical
 * convnets whose last stage would otherwise see a 1x1 map).
 *
 * <p>A published row's data config (crop_pct, interpolation, mean, std) is timm 1.0.29's {@code
 * pretrained_cfg} for that name, Conv2Former's its official code's; {@code DataConfigTimmTest}
 * checks them against a table generated from timm. Its {@link Reference} names the weights: timm's
 * {@code hf_hub_id} for the name (the default tag's repository, what {@code timm.create_model(name,
 * pretrained=True)} downloads), checked by {@code HubIdsTimmTest}.
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

  /**
   * Six blocks on the native 28x28 Fashion-MNIST image (7x7 patches + class token): 1.5x the depth
   * of {@link #VIT_MICRO} for about 1.15x its compute, since it sees 50 tokens instead of 65.
   */
  private static final VitConfig VIT_MINI =
      VIT_MICRO.toBuilder().setImage(28, 4).setSize(64, 6, 4).build();

  /** Swin's published figures: Liu et al., 2021, Table 1 (ImageNet-1k, 224px; FLOPs are MACs). */
  private static final String SWIN_PAPER = "Liu et al. 2021, Table 1; params: timm 1.0.29";

  /**
   * timm's default checkpoint of {@code swin_base_patch4_window12_384} is the ImageNet-22k
   * pre-trained one ({@code ms_in22k_ft_in1k}); its top-1 and MACs are timm's, not the paper's
   * ImageNet-1k row.
   */
  private static final String SWIN_384 = "timm 1.0.29 / results-imagenet.csv (ms_in22k_ft_in1k)";

  private static final SwinConfig SWIN_MICRO =
      SwinConfig.builder()
          .setImage(32, 2, 4)
          .setSize(16, List.of(2, 2, 2, 2), List.of(1, 2, 4, 8))
          .optInChans(1)
          .optNumClasses(10)
          .build();

  private static final String EFFICIENTVIT =
      "timm 1.0.29 (params); mit-han-lab/efficientvit README, r224 (MACs, top-1)";

  private static final String CONV2FORMER =
      "official HVision-NKU/Conv2Former code (params); paper / README (GFLOPs, top-1)";

  /** Conv2Former's weights are published by its authors only, in their own format. */
  private static final String OFFICIAL_ONLY = "no timm weights: official checkpoints only";

  /** timm's {@code efficientvit_b*}: stem and stage widths and depths, head dim, head widths. */
  private static EfficientVitConfig efficientvit(
      List<Integer> widths, List<Integer> depths, int headDim, int headConv, int headHidden) {
    return EfficientVitConfig.builder()
        .setStages(widths, depths)
        .setHead(headConv, headHidden)
        .optHeadDim(headDim)
        .build();
  }

  private static final EfficientVitConfig EFFICIENTVIT_MICRO =
      efficientvit(List.of(8, 16, 24, 32, 48), List.of(1, 1, 1, 1, 1), 8, 128, 128).toBuilder()
          .optImgSize(32)
          .optInChans(1)
          .optNumClasses(10)
          .build();

  /** The official {@code conv2former_*}: modulation kernel, stage widths and depths. */
  private static Conv2FormerConfig conv2former(
      int kernelSize, List<Integer> dims, List<Integer> depths) {
    return Conv2FormerConfig.builder().setStages(dims, depths).optKernelSize(kernelSize).build();
  }

  private static final Conv2FormerConfig CONV2FORMER_MICRO =
      conv2former(7, List.of(16, 32, 48, 64), List.of(1, 1, 2, 1)).toBuilder()
          .optImgSize(32)
          .optInChans(1)
          .optNumClasses(10)
          .build();

  /** EdgeNeXt: GMACs at 256px and top-1 of Maaz et al. 2022, as quoted in timm's edgenext.py. */
  private static final String EDGENEXT = "Maaz et al. 2022; params: timm 1.0.29";

  /** SwiftFormer: GMACs and top-1 of Shaker et al., ICCV 2023 (official README). */
  private static final String SWIFTFORMER = "Shaker et al. 2023; params: timm 1.0.29";

  private static EdgeNeXtConfig edgenext(List<Integer> depths, List<Integer> dims, int heads) {
    return EdgeNeXtConfig.builder()
        .setStages(depths, dims)
        .optHeads(heads, heads, heads, heads)
        .build();
  }

  private static final EdgeNeXtConfig EDGENEXT_MICRO =
      edgenext(List.of(1, 2, 2, 2), List.of(16, 32, 48, 64), 2).toBuilder()
          .optImgSize(64)
          .optInChans(1)
          .optNumClasses(10)
          .build();

  private static SwiftFormerConfig swiftformer(List<Integer> layers, List<Integer> dims) {
    return SwiftFormerConfig.builder().setStages(layers, dims).build();
  }

  private static final SwiftFormerConfig SWIFTFORMER_MICRO =
      swiftformer(List.of(1, 2, 1, 2), List.of(16, 24, 32, 48)).toBuilder()
          .optImgSize(64)
          .optInChans(1)
          .optNumClasses(10)
          .build();

  /** A ViT whose attention the kernel-linear rows replace, with its parameter count. */
  private record LinearBase(String name, VitConfig config, DataConfig data, long params) {}

  private static final List<LinearBase> LINEAR_ATTENTION_BASES =
      List.of(
          new LinearBase(
              "vit_tiny_patch16_224", VIT_TINY, DataConfig.IMAGENET_INCEPTION, 5_717_416L),
          new LinearBase(
              "vit_small_patch16_224", VIT_SMALL, DataConfig.IMAGENET_INCEPTION, 22_050_664L),
          new LinearBase("vit_micro_patch4_32", VIT_MICRO, DataConfig.FASHION_MNIST, 139_978L));

  /** Every variant, in display order. */
  public static final List<Variant> ALL =
      concat(
          List.of(
              new Variant(
                  "vit_tiny_patch16_224",
                  VIT_TINY,
                  DataConfig.IMAGENET_INCEPTION,
                  new Reference(5_717_416L, 1.26, 75.45, TIMM)
                      .withHubId("timm/vit_tiny_patch16_224.augreg_in21k_ft_in1k")),
              new Variant(
                  "vit_small_patch16_224",
                  VIT_SMALL,
                  DataConfig.IMAGENET_INCEPTION,
                  new Reference(22_050_664L, 4.61, 81.40, TIMM)
                      .withHubId("timm/vit_small_patch16_224.augreg_in21k_ft_in1k")),
              new Variant(
                  "vit_base_patch16_224",
                  VitConfig.builder().setSize(768, 12, 12).build(),
                  DataConfig.IMAGENET_INCEPTION,
                  new Reference(86_567_656L, 17.58, 84.53, TIMM)
                      .withHubId("timm/vit_base_patch16_224.augreg2_in21k_ft_in1k")),
              new Variant(
                  "swin_tiny_patch4_window7_224",
                  SwinConfig.builder().build(),
                  DataConfig.IMAGENET,
                  new Reference(28_288_354L, 4.5, 81.3, SWIN_PAPER)
                      .withHubId("timm/swin_tiny_patch4_window7_224.ms_in1k")),
              new Variant(
                  "swin_small_patch4_window7_224",
                  SwinConfig.builder()
                      .setSize(96, List.of(2, 2, 18, 2), List.of(3, 6, 12, 24))
                      .build(),
                  DataConfig.IMAGENET,
                  new Reference(49_606_258L, 8.7, 83.0, SWIN_PAPER)
                      .withHubId("timm/swin_small_patch4_window7_224.ms_in22k_ft_in1k")),
              new Variant(
                  "swin_base_patch4_window7_224",
                  SwinConfig.builder()
                      .setSize(128, List.of(2, 2, 18, 2), List.of(4, 8, 16, 32))
                      .build(),
                  DataConfig.IMAGENET,
                  new Reference(87_768_224L, 15.4, 83.5, SWIN_PAPER)
                      .withHubId("timm/swin_base_patch4_window7_224.ms_in22k_ft_in1k")),
              // The same architectures at the size timm's checkpoints of these names were
              // fine-tuned
              // at: the position embedding covers 24x24 patches, Swin's windows are 12x12; the data
              // configs are timm's pretrained_cfg (crop_pct 1.0: the whole resized image is kept).
              new Variant(
                  "vit_tiny_patch16_384",
                  VIT_TINY.toBuilder().optImgSize(384).build(),
                  DataConfig.IMAGENET_INCEPTION.withCropPct(1.0),
                  new Reference(5_790_376L, 4.70, 78.44, TIMM)
                      .withHubId("timm/vit_tiny_patch16_384.augreg_in21k_ft_in1k")),
              new Variant(
                  "vit_small_patch16_384",
                  VIT_SMALL.toBuilder().optImgSize(384).build(),
                  DataConfig.IMAGENET_INCEPTION.withCropPct(1.0),
                  new Reference(22_196_584L, 15.52, 83.81, TIMM)
                      .withHubId("timm/vit_small_patch16_384.augreg_in21k_ft_in1k")),
              new Variant(
                  "vit_base_patch16_384",
                  VitConfig.builder().setImage(384, 16).setSize(768, 12, 12).build(),
                  DataConfig.IMAGENET_INCEPTION.withCropPct(1.0),
                  new Reference(86_859_496L, 55.54, 86.01, TIMM)
                      .withHubId("timm/vit_base_patch16_384.augreg_in21k_ft_in1k")),
              new Variant(
                  "swin_base_patch4_window12_384",
                  SwinConfig.builder()
                      .setImage(384, 4, 12)
                      .setSize(128, List.of(2, 2, 18, 2), List.of(4, 8, 16, 32))
                      .build(),
                  DataConfig.IMAGENET.withCropPct(1.0),
                  new Reference(87_903_584L, 47.19, 86.44, SWIN_384)
                      .withHubId("timm/swin_base_patch4_window12_384.ms_in22k_ft_in1k")),
              new Variant(
                  "vit_micro_patch4_32",
                  VIT_MICRO,
                  DataConfig.FASHION_MNIST,
                  new Reference(139_978L, null, null, "attnzoo (training size)")),
              new Variant(
                  "vit_mini_patch4_28",
                  VIT_MINI,
                  DataConfig.FASHION_MNIST,
                  new Reference(
                      205_962L, null, null, "attnzoo (training size); params: timm 1.0.29")),
              new Variant(
                  "swin_micro_patch2_window4_32",
                  SWIN_MICRO,
                  DataConfig.FASHION_MNIST,
                  new Reference(
                      574_872L, null, null, "attnzoo (training size); params: timm 1.0.29")),
              new Variant(
                  "edgenext_xx_small",
                  edgenext(List.of(2, 2, 6, 2), List.of(24, 48, 88, 168), 4),
                  DataConfig.IMAGENET.withTestSize(288, 1.0),
                  new Reference(1_327_216L, 0.261, 71.23, EDGENEXT)
                      .withHubId("timm/edgenext_xx_small.in1k")),
              new Variant(
                  "edgenext_x_small",
                  edgenext(List.of(3, 3, 9, 3), List.of(32, 64, 100, 192), 4),
                  DataConfig.IMAGENET.withTestSize(288, 1.0),
                  new Reference(2_336_804L, 0.538, 75.00, EDGENEXT)
                      .withHubId("timm/edgenext_x_small.in1k")),
              new Variant(
                  "edgenext_small",
                  edgenext(List.of(3, 3, 9, 3), List.of(48, 96, 160, 304), 8),
                  DataConfig.IMAGENET.withCropPct(0.95).withTestSize(320, 1.0),
                  new Reference(5_586_832L, 1.261, 79.43, EDGENEXT)
                      .withHubId("timm/edgenext_small.usi_in1k")),
              new Variant(
                  "edgenext_base",
                  edgenext(List.of(3, 3, 9, 3), List.of(80, 160, 288, 584), 8),
                  DataConfig.IMAGENET.withCropPct(0.95).withTestSize(320, 1.0),
                  new Reference(18_511_292L, 3.841, 82.5, EDGENEXT)
                      .withHubId("timm/edgenext_base.usi_in1k")),
              new Variant(
                  "edgenext_micro_64",
                  EDGENEXT_MICRO,
                  DataConfig.FASHION_MNIST,
                  new Reference(
                      187_552L, null, null, "attnzoo (training size); params: timm 1.0.29")),
              new Variant(
                  "swiftformer_xs",
                  swiftformer(List.of(3, 3, 6, 4), List.of(48, 56, 112, 220)),
                  DataConfig.IMAGENET.withCropPct(0.95),
                  new Reference(3_475_360L, 0.6, 75.7, SWIFTFORMER)
                      .withHubId("timm/swiftformer_xs.dist_in1k")),
              new Variant(
                  "swiftformer_s",
                  swiftformer(List.of(3, 3, 9, 6), List.of(48, 64, 168, 224)),
                  DataConfig.IMAGENET.withCropPct(0.95),
                  new Reference(6_092_128L, 1.0, 78.5, SWIFTFORMER)
                      .withHubId("timm/swiftformer_s.dist_in1k")),
              new Variant(
                  "swiftformer_l1",
                  swiftformer(List.of(4, 3, 10, 5), List.of(48, 96, 192, 384)),
                  DataConfig.IMAGENET.withCropPct(0.95),
                  new Reference(12_057_920L, 1.6, 80.9, SWIFTFORMER)
                      .withHubId("timm/swiftformer_l1.dist_in1k")),
              new Variant(
                  "swiftformer_l3",
                  swiftformer(List.of(4, 4, 12, 6), List.of(64, 128, 320, 512)),
                  DataConfig.IMAGENET.withCropPct(0.95),
                  new Reference(28_494_736L, 4.0, 83.0, SWIFTFORMER)
                      .withHubId("timm/swiftformer_l3.dist_in1k")),
              new Variant(
                  "swiftformer_micro_64",
                  SWIFTFORMER_MICRO,
                  DataConfig.FASHION_MNIST,
                  new Reference(
                      112_932L, null, null, "attnzoo (training size); params: timm 1.0.29"))),
          // Kernel-linear attention in the ViT backbone. Every mechanism has the parameters of
          // MHSA (q, k, v and output projections with biases), so the counts equal timm's ViT;
          // computed with timm 1.0.29 after swapping in the official modules' parameter layout.
          linearAttentionRows(),
          List.of(
              // ToSA (Singh et al., CVPRW 2024): selective layers 1, 3, ..., 11 keep 70% of the
              // patch
              // tokens. No published checkpoint or exact figures: parameters = the dense ViT's
              // (timm)
              // + 6 selectors of 2 x (3 x 3 x 3 + 3) = 60.
              new Variant(
                  "vit_tiny_patch16_224_tosa",
                  VIT_TINY.toBuilder().optLayers(TosaLayers.alternate(12, 0.7)).build(),
                  DataConfig.IMAGENET_INCEPTION,
                  new Reference(
                      5_717_416L + 6 * 60,
                      null,
                      null,
                      "timm vit_tiny_patch16_224 + ToSA selectors")),
              // Training size: selective layers 1 and 3 keep 50%; 2 selectors of 2 x (4 x 4 x 3 +
              // 4).
              new Variant(
                  "vit_micro_patch4_32_tosa",
                  VIT_MICRO.toBuilder().optLayers(TosaLayers.alternate(4, 0.5)).build(),
                  DataConfig.FASHION_MNIST,
                  new Reference(
                      139_978L + 2 * 104, null, null, "attnzoo (training size) + ToSA selectors")),
              // Selective layers 1, 3 and 5 keep 30%, with narrow selectors (2 hidden channels;
              // each
              // 4 x 2 x 3 + 2 + 2 x 4 x 3 + 4 = 54 parameters): at 50 tokens and 64 channels the
              // selectors' convolutions cost about as much as the work they skip
              // (src/docs/tosa.md).
              new Variant(
                  "vit_mini_patch4_28_tosa",
                  VIT_MINI.toBuilder().optLayers(TosaLayers.alternate(6, 0.3, 2)).build(),
                  DataConfig.FASHION_MNIST,
                  new Reference(
                      205_962L + 3 * 54, null, null, "attnzoo (training size) + ToSA selectors")),
              new Variant(
                  "efficientvit_b0",
                  efficientvit(List.of(8, 16, 32, 64, 128), List.of(1, 2, 2, 2, 2), 16, 1024, 1280),
                  DataConfig.IMAGENET.withCropPct(0.95),
                  new Reference(3_410_008L, null, null, EFFICIENTVIT)
                      .withHubId("timm/efficientvit_b0.r224_in1k")),
              new Variant(
                  "efficientvit_b1",
                  efficientvit(
                      List.of(16, 32, 64, 128, 256), List.of(1, 2, 3, 3, 4), 16, 1536, 1600),
                  DataConfig.IMAGENET.withCropPct(0.95),
                  new Reference(9_102_024L, 0.52, 79.39, EFFICIENTVIT)
                      .withHubId("timm/efficientvit_b1.r224_in1k")),
              new Variant(
                  "efficientvit_b2",
                  efficientvit(
                      List.of(24, 48, 96, 192, 384), List.of(1, 3, 4, 4, 6), 32, 2304, 2560),
                  DataConfig.IMAGENET.withCropPct(0.95),
                  new Reference(24_330_712L, 1.6, 82.10, EFFICIENTVIT)
                      .withHubId("timm/efficientvit_b2.r224_in1k")),
              new Variant(
                  "efficientvit_b3",
                  efficientvit(
                      List.of(32, 64, 128, 256, 512), List.of(1, 4, 6, 6, 9), 32, 2304, 2560),
                  DataConfig.IMAGENET.withCropPct(0.95),
                  new Reference(48_646_056L, 4.0, 83.47, EFFICIENTVIT)
                      .withHubId("timm/efficientvit_b3.r224_in1k")),
              new Variant(
                  "efficientvit_micro_32",
                  EFFICIENTVIT_MICRO,
                  DataConfig.FASHION_MNIST,
                  new Reference(102_506L, null, null, "timm 1.0.29 (training size)")),
              // Conv2Former GFLOPs are the paper's FLOPs (multiply-adds), as in its README table.
              new Variant(
                  "conv2former_n",
                  conv2former(7, List.of(64, 128, 256, 512), List.of(2, 2, 8, 2)),
                  DataConfig.IMAGENET_INCEPTION,
                  new Reference(14_992_840L, 2.2, 81.5, CONV2FORMER)
                      .withoutHubWeights(OFFICIAL_ONLY)),
              new Variant(
                  "conv2former_t",
                  conv2former(11, List.of(72, 144, 288, 576), List.of(3, 3, 12, 3)),
                  DataConfig.IMAGENET_INCEPTION,
                  new Reference(26_697_204L, 4.4, 83.2, CONV2FORMER)
                      .withoutHubWeights(OFFICIAL_ONLY)),
              new Variant(
                  "conv2former_s",
                  conv2former(11, List.of(72, 144, 288, 576), List.of(4, 4, 32, 4)),
                  DataConfig.IMAGENET_INCEPTION,
                  new Reference(50_032_692L, 8.7, 84.1, CONV2FORMER)
                      .withoutHubWeights(OFFICIAL_ONLY)),
              new Variant(
                  "conv2former_b",
                  conv2former(11, List.of(96, 192, 384, 768), List.of(4, 4, 34, 4)),
                  DataConfig.IMAGENET_INCEPTION,
                  new Reference(90_029_112L, 15.9, 84.4, CONV2FORMER)
                      .withoutHubWeights(OFFICIAL_ONLY)),
              new Variant(
                  "conv2former_micro_32",
                  CONV2FORMER_MICRO,
                  DataConfig.FASHION_MNIST,
                  new Reference(
                      252_034L, null, null, "official Conv2Former code (training size)"))));

  /**
   * Every kernel-linear mechanism in every base ViT: {@code <base>_<mechanism>}, mechanism by
   * mechanism; no published accuracy or MACs.
   */
  private static List<Variant> linearAttentionRows() {
    List<Variant> rows = new ArrayList<>();
    for (TokenMixer mixer :
        List.of(TokenMixer.ELU, TokenMixer.COSFORMER, TokenMixer.HYDRA, TokenMixer.SIMA)) {
      for (LinearBase base : LINEAR_ATTENTION_BASES) {
        rows.add(
            new Variant(
                base.name() + "_" + mixer.key(),
                base.config().toBuilder().optAttention(mixer).build(),
                base.data(),
                new Reference(
                    base.params(),
                    null,
                    null,
                    "attnzoo; params: timm 1.0.29 ViT with the official "
                        + mixer.key()
                        + " module")));
      }
    }
    return rows;
  }

  @SafeVarargs
  private static List<Variant> concat(List<Variant>... parts) {
    List<Variant> all = new ArrayList<>();
    for (List<Variant> part : parts) {
      all.addAll(part);
    }
    return List.copyOf(all);
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
