/**
 * The training recipe as pieces of DJL's own training API: AdamW with timm's parameter groups,
 * warm-up cosine schedule, label smoothing, EMA, gradient clipping and progress listeners, usable
 * from a plain DJL {@code Trainer} script.
 *
 * <p>Depends on the blocks' {@code nn} package, DJL's training API and {@link org.attnzoo.zoo.io}.
 */
package org.attnzoo.training.recipe;
