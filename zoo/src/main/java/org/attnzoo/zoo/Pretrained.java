package org.attnzoo.zoo;

import org.attnzoo.zoo.weights.HubId;

/**
 * Where a variant's published weights are: the Hugging Face Hub repository that timm's {@code
 * pretrained_cfg} names for it ({@code hf_hub_id}, which carries the default tag, e.g. {@code
 * timm/vit_tiny_patch16_224.augreg_in21k_ft_in1k}), or why there is none. What {@code
 * optArgument("pretrained", true)} and {@code --pretrained} load.
 *
 * @param hubId the repository id, or null
 * @param absent why there is no repository to load, or null when there is one
 */
public record Pretrained(String hubId, String absent) {

  /** attnzoo's own variants (training sizes, attention mechanisms swapped into a ViT). */
  public static final Pretrained NONE =
      new Pretrained(
          null,
          "it is an attnzoo variant with no published weights: train it (attnzoo train), or load"
              + " the weights shipped for it where there are some (optFilter(\"dataset\", ...),"
              + " --dataset)");

  /** Exactly one of the two, and an id that parses as a Hub repository id. */
  public Pretrained {
    if ((hubId == null) == (absent == null)) {
      throw new IllegalArgumentException(
          "give a hub id or the reason there is none, not "
              + (hubId == null ? "neither" : "both (" + hubId + ", " + absent + ")"));
    }
    if (hubId != null) {
      HubId.of(hubId);
    }
  }

  /**
   * @param hubId a timm {@code hf_hub_id}, {@code ORG/NAME}
   * @return weights on the Hugging Face Hub
   */
  public static Pretrained hub(String hubId) {
    return new Pretrained(hubId, null);
  }

  /**
   * @param why why the variant has no weights to download, e.g. "no timm weights: official
   *     checkpoints only"
   * @return no weights, with the reason
   */
  public static Pretrained none(String why) {
    return new Pretrained(null, why);
  }

  /**
   * The variant a timm Hub id holds weights of: timm names its repositories {@code
   * timm/<model>.<tag>}, so {@code hf-hub:timm/vit_tiny_patch16_224.augreg_in21k_ft_in1k} names
   * {@code vit_tiny_patch16_224}.
   *
   * @param weights a weights argument, or null
   * @return the variant, if {@code weights} is a Hub id whose model is one of the table's
   */
  public static java.util.Optional<String> variantOf(Object weights) {
    if (weights == null || !HubId.isHubId(weights.toString())) {
      return java.util.Optional.empty();
    }
    String name = HubId.parse(weights.toString()).modelName();
    return Variants.contains(name) ? java.util.Optional.of(name) : java.util.Optional.empty();
  }

  /**
   * @return whether there are weights to download
   */
  public boolean available() {
    return hubId != null;
  }

  /**
   * The weights as {@code optArgument("weights", ...)} and {@code --weights} take them.
   *
   * @param variant the variant's name, for the message
   * @return {@code hf-hub:ORG/NAME}
   * @throws IllegalArgumentException saying why if the variant has none
   */
  public String weights(String variant) {
    if (hubId == null) {
      throw new IllegalArgumentException(
          "variant "
              + variant
              + " has no pretrained weights to download: "
              + absent
              + "; give weights with optArgument(\"weights\", path-or-url) or --weights FILE");
    }
    return HubId.PREFIX + hubId;
  }
}
