/**
 * Token mixers, one file per mechanism, each a DJL block {@code [B, N, C] -> [B, N, C]} (or a
 * map-to-map block for the convolutional ones), and how a backbone selects one: the typed key
 * {@link org.attnzoo.attention.TokenMixer} (a factory from an {@link
 * org.attnzoo.attention.AttentionSpec}), with {@link org.attnzoo.attention.AttentionMechanisms} for
 * code that starts from a name.
 *
 * <p>Depends on {@code org.attnzoo.nn} and {@code org.attnzoo.export}; never on {@code backbones}.
 */
package org.attnzoo.attention;
