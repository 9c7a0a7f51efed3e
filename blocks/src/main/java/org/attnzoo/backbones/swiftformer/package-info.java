/**
 * SwiftFormer (timm's {@code swiftformer.py}): the convolution encoder and its MLP, the SwiftFormer
 * encoder around efficient additive attention, the stage, {@code SwiftFormer} (with its
 * distillation head) and {@code SwiftFormerConfig}.
 *
 * <p>Published variants' numbers are rows of the zoo's variant table, not code here. Depends on
 * {@code org.attnzoo.backbones}, {@code org.attnzoo.nn}, {@code org.attnzoo.attention} and {@code
 * org.attnzoo.export}; never on another family.
 */
package org.attnzoo.backbones.swiftformer;
