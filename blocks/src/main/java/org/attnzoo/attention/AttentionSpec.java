package org.attnzoo.attention;

import org.attnzoo.nn.Checks;

/**
 * What a backbone tells an attention mechanism about the slot it fills: token width, heads, biases,
 * dropouts, and the number of tokens it will see (some mechanisms, e.g. cosFormer, use it).
 *
 * @param dim token channels C (input and output)
 * @param numHeads attention heads
 * @param qkvBias whether the q, k, v projections have a bias
 * @param attnDrop dropout on the attention weights
 * @param projDrop dropout after the output projection
 * @param numTokens tokens per sample at this layer (including prefix tokens), or -1 if unknown
 */
public record AttentionSpec(
    long dim, int numHeads, boolean qkvBias, float attnDrop, float projDrop, long numTokens) {

  /** Validates the spec. */
  public AttentionSpec {
    Checks.positive("attention dim", dim);
    Checks.positive("numHeads", numHeads);
    Checks.divisible("embedDim", dim, "numHeads", numHeads);
    Checks.probability("attnDrop", attnDrop);
    Checks.probability("projDrop", projDrop);
  }

  /**
   * A spec with qkv bias, no dropout and unknown token count.
   *
   * @param dim token channels
   * @param numHeads attention heads
   * @return the spec
   */
  public static AttentionSpec of(long dim, int numHeads) {
    return new AttentionSpec(dim, numHeads, true, 0f, 0f, -1);
  }

  /**
   * @return channels per head
   */
  public long headDim() {
    return dim / numHeads;
  }
}
