package org.attnzoo.zoo;

/**
 * Published figures of a variant, to compare against (never used to compute anything).
 *
 * @param params exact parameter count of the reference implementation (timm or official code)
 * @param gmacs multiply-accumulates per image in billions, or null if unpublished
 * @param top1 ImageNet-1k top-1 accuracy in percent, or null (e.g. small training variants)
 * @param source where the figures come from
 */
public record Reference(long params, Double gmacs, Double top1, String source) {}
