/**
 * EfficientViT, the B series (timm's {@code efficientvit_mit.py}): the stem, the depth-wise
 * separable and inverted-bottleneck convolutions, the residual wrapper, the attention block around
 * {@link org.attnzoo.attention.LiteMultiScaleAttention}, the stage, {@code EfficientVit} and {@code
 * EfficientVitConfig}. Its head is {@link org.attnzoo.nn.ClassifierHead}.
 *
 * <p>Published variants' numbers are rows of the zoo's variant table, not code here. Depends on
 * {@code org.attnzoo.backbones}, {@code org.attnzoo.nn}, {@code org.attnzoo.attention} and {@code
 * org.attnzoo.export}; never on another family.
 */
package org.attnzoo.backbones.efficientvit;
