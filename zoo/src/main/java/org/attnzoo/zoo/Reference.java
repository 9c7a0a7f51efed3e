package org.attnzoo.zoo;

/**
 * Published figures of a variant, to compare against (never used to compute anything), and where
 * the published weights they were measured on are.
 *
 * @param params exact parameter count of the reference implementation (timm or official code)
 * @param gmacs multiply-accumulates per image in billions, or null if unpublished
 * @param top1 ImageNet-1k top-1 accuracy in percent, or null (e.g. small training variants)
 * @param source where the figures come from
 * @param pretrained the published weights: timm's default {@code hf_hub_id} for the name, or why
 *     there is none
 */
public record Reference(
    long params, Double gmacs, Double top1, String source, Pretrained pretrained) {

  /**
   * Figures of a variant with no published weights ({@link Pretrained#NONE}).
   *
   * @param params exact parameter count
   * @param gmacs multiply-accumulates per image in billions, or null
   * @param top1 ImageNet-1k top-1 accuracy in percent, or null
   * @param source where the figures come from
   */
  public Reference(long params, Double gmacs, Double top1, String source) {
    this(params, gmacs, top1, source, Pretrained.NONE);
  }

  /**
   * @param hubId timm's {@code hf_hub_id} for the variant's name (its default tag), e.g. {@code
   *     timm/vit_tiny_patch16_224.augreg_in21k_ft_in1k}
   * @return these figures, measured on the weights of that Hub repository
   */
  public Reference withHubId(String hubId) {
    return new Reference(params, gmacs, top1, source, Pretrained.hub(hubId));
  }

  /**
   * @param why why there are no weights to download, e.g. "no timm weights: official checkpoints
   *     only"
   * @return these figures, with the reason
   */
  public Reference withoutHubWeights(String why) {
    return new Reference(params, gmacs, top1, source, Pretrained.none(why));
  }
}
