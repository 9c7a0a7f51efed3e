/**
 * Images in as timm evaluates them: decoding as PIL's {@code Image.open(f).convert("RGB")}, PIL's
 * antialiased resampling, the eval transform of a {@link org.attnzoo.zoo.DataConfig} (resize,
 * centre crop, normalise) and the classification translator built on it.
 *
 * <p>Depends on DJL's API and the zoo's data configuration; no engine, no model.
 */
package org.attnzoo.zoo.image;
