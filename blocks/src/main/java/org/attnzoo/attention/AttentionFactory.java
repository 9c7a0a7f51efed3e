package org.attnzoo.attention;

import ai.djl.nn.Block;

/**
 * Builds the token-mixing block of one transformer layer. Backbones take a factory so that every
 * mechanism plugs into the same backbone: the block maps {@code [B, N, C] -> [B, N, C]}.
 */
@FunctionalInterface
public interface AttentionFactory {

  /**
   * @param spec what the backbone's slot needs
   * @return a new attention block for that slot
   */
  Block create(AttentionSpec spec);
}
