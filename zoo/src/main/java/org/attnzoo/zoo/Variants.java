package org.attnzoo.zoo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
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

  private static final VitConfig VIT_MICRO =
      VitConfig.builder()
          .setImage(32, 4)
          .setSize(64, 4, 4)
          .optInChans(1)
          .optNumClasses(10)
          .optMlpRatio(2)
          .build();

  /** Every variant, in display order. */
  public static final List<Variant> ALL =
      List.of(
          new Variant(
              "vit_tiny_patch16_224",
              VitConfig.builder().setSize(192, 12, 3).build(),
              DataConfig.IMAGENET_INCEPTION,
              new Reference(5_717_416L, 1.26, 75.45, TIMM)),
          new Variant(
              "vit_small_patch16_224",
              VitConfig.builder().setSize(384, 12, 6).build(),
              DataConfig.IMAGENET_INCEPTION,
              new Reference(22_050_664L, 4.61, 81.40, TIMM)),
          new Variant(
              "vit_base_patch16_224",
              VitConfig.builder().setSize(768, 12, 12).build(),
              DataConfig.IMAGENET_INCEPTION,
              new Reference(86_567_656L, 17.58, 84.53, TIMM)),
          new Variant(
              "vit_micro_patch4_32",
              VIT_MICRO,
              DataConfig.FASHION_MNIST,
              new Reference(139_978L, null, null, "attnzoo (training size)")));

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
