/**
 * Training: the loop ({@link org.attnzoo.training.TrainingRun}), its configuration, resumable
 * checkpoints, per-epoch metrics and reports, and the ToSA recipe.
 *
 * <p>A library: depends on the zoo and DJL's API, never on a logging binding, natives or the
 * command line.
 */
package org.attnzoo.training;
