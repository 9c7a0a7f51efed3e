/**
 * Conv2Former (the official HVision-NKU/Conv2Former code): the block with convolutional modulation,
 * its MLP, {@code Conv2Former} and {@code Conv2FormerConfig}.
 *
 * <p>Published variants' numbers are rows of the zoo's variant table, not code here. Depends on
 * {@code org.attnzoo.backbones}, {@code org.attnzoo.nn}, {@code org.attnzoo.attention} and {@code
 * org.attnzoo.export}; never on another family.
 */
package org.attnzoo.backbones.conv2former;
