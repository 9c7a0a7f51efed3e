/**
 * Swin Transformer (timm's {@code swin_transformer.py}): window attention, shifted-window masks,
 * the block, the stage with patch merging, {@code SwinTransformer} and {@code SwinConfig}.
 *
 * <p>Published variants' numbers are rows of the zoo's variant table, not code here. Depends on
 * {@code org.attnzoo.backbones}, {@code org.attnzoo.nn}, {@code org.attnzoo.attention} and {@code
 * org.attnzoo.export}; never on another family.
 */
package org.attnzoo.backbones.swin;
