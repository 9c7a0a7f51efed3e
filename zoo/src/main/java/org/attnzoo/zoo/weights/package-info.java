/**
 * Weights in and out: the checkpoint mappers between timm's (or the official code's) state-dict
 * keys and attnzoo's parameter paths, one per family, the import into a built model (with
 * position-embedding and relative-bias resampling for other input sizes) and the {@code .params}
 * file.
 *
 * <p>Depends on the blocks and {@link org.attnzoo.zoo.io}.
 */
package org.attnzoo.zoo.weights;
