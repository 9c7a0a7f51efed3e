/**
 * Vision Transformer (timm's {@code vision_transformer.py}): {@code VisionTransformer}, its layer
 * {@code VitBlock}, the layer factory that lets other layers (ToSA's) replace it, and {@code
 * VitConfig}. The token mixer is a {@link org.attnzoo.attention.TokenMixer}.
 *
 * <p>Published variants' numbers are rows of the zoo's variant table, not code here. Depends on
 * {@code org.attnzoo.backbones}, {@code org.attnzoo.nn}, {@code org.attnzoo.attention} and {@code
 * org.attnzoo.export}; never on another family.
 */
package org.attnzoo.backbones.vit;
