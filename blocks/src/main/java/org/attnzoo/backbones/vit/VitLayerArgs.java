package org.attnzoo.backbones.vit;

import org.attnzoo.attention.AttentionFactory;
import org.attnzoo.attention.AttentionSpec;

/**
 * Everything {@link VisionTransformer} knows about one of its layers, handed to a {@link
 * VitLayerFactory}.
 *
 * @param index the layer's position, from 0
 * @param depth the number of layers
 * @param attention the attention slot (width, heads, token count)
 * @param mechanism the token mixer's factory
 * @param mlpRatio MLP hidden width relative to the token width
 * @param layerScaleInit initial layer-scale value, or null for none
 * @param dropPath stochastic-depth rate of this layer
 * @param normEps LayerNorm eps
 * @param prefixTokens tokens before the patch tokens (1 with a class token, else 0)
 */
public record VitLayerArgs(
    int index,
    int depth,
    AttentionSpec attention,
    AttentionFactory mechanism,
    double mlpRatio,
    Float layerScaleInit,
    float dropPath,
    float normEps,
    int prefixTokens) {

  /**
   * @return the standard pre-norm layer for these arguments
   */
  public VitBlock dense() {
    return new VitBlock(attention, mechanism, mlpRatio, layerScaleInit, dropPath, normEps);
  }
}
