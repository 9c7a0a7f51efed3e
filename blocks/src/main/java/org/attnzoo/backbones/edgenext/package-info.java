/**
 * EdgeNeXt (timm's {@code edgenext.py}): the convolution encoder, the SDTA encoder with its Fourier
 * position encoding, the stage, {@code EdgeNeXt} and {@code EdgeNeXtConfig}. The SDTA token mixer
 * is a {@link org.attnzoo.attention.TokenMixer} (transposed attention by default).
 *
 * <p>Published variants' numbers are rows of the zoo's variant table, not code here. Depends on
 * {@code org.attnzoo.backbones}, {@code org.attnzoo.nn}, {@code org.attnzoo.attention} and {@code
 * org.attnzoo.export}; never on another family.
 */
package org.attnzoo.backbones.edgenext;
