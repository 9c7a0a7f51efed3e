/**
 * Datasets: Fashion-MNIST (IDX files), image folders, in-memory image sets as DJL {@code Dataset}s,
 * batching, augmentation and the seed streams that make runs reproducible.
 *
 * <p>Depends on the zoo's data configuration and DJL's API.
 */
package org.attnzoo.training.data;
