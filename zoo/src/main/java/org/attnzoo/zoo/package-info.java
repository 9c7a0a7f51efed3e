/**
 * The zoo: the variant table ({@link org.attnzoo.zoo.Variants}, one row per model), loading by name
 * ({@link org.attnzoo.zoo.AttnZoo}), DJL's model-zoo contract ({@code Criteria} through {@link
 * org.attnzoo.zoo.AttnZooModelZoo} and its repository), data configurations and transfer learning.
 *
 * <p>Depends on the blocks, DJL's API and the sub-packages here; nothing in the blocks depends on
 * it. Engine specifics stay in {@link org.attnzoo.zoo.runtime}.
 */
package org.attnzoo.zoo;
