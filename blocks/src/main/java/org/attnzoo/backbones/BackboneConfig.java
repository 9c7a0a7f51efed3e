package org.attnzoo.backbones;

import ai.djl.ndarray.types.Shape;

/**
 * The architecture half of a variant: everything needed to build the backbone block. One record per
 * architecture family (e.g. {@code VitConfig}), built by the family's builder ({@code
 * VitConfig.builder()}, sharing {@link BackboneBuilder}); the zoo's variant table holds each
 * published variant's numbers and pairs them with the data config and published figures.
 */
public interface BackboneConfig {

  /**
   * @return the architecture family, e.g. {@code "vit"}; selects the checkpoint mapper
   */
  String family();

  /**
   * Builds the backbone. Its parameters declare the reference implementation's initialisation
   * ({@link org.attnzoo.nn.TimmInit}), so {@code block.initialize(...)} or DJL's {@code
   * Trainer.initialize(...)} draws timm's (or the official code's) initial weights; an initializer
   * set on the training config, or with {@code block.setInitializer}, replaces it for the
   * parameters it selects.
   *
   * @return a new, uninitialised backbone
   */
  Backbone newBlock();

  /**
   * @return the input size the backbone expects, {@code [C, H, W]} without the batch axis
   */
  Shape inputShape();

  /**
   * @return classifier outputs (0: the backbone returns pooled features)
   */
  int numClasses();

  /**
   * Returns this configuration with a classifier of another size: the backbone is unchanged, only
   * the parameters whose shape depends on the number of classes differ. A block built from it has
   * the parameters that {@link Backbone#resetClassifier} gives an existing block (timm's {@code
   * reset_classifier}); transfer learning builds new models from it.
   *
   * @param n classifier outputs (0: the backbone returns pooled features)
   * @return a copy with {@code n} classes
   */
  BackboneConfig withNumClasses(int n);

  /**
   * Returns this configuration with another stochastic-depth rate (training recipes set it).
   *
   * @param rate drop-path rate of the deepest block, in [0, 1)
   * @return a copy with that rate
   * @throws IllegalArgumentException if the family has no stochastic depth
   */
  default BackboneConfig withDropPathRate(float rate) {
    throw new IllegalArgumentException(
        family()
            + " backbones have no stochastic depth; drop-path rate "
            + rate
            + " not applicable");
  }

  /**
   * @param batch batch size
   * @return {@code [batch, C, H, W]}
   */
  default Shape inputShape(long batch) {
    return new Shape(batch).addAll(inputShape());
  }
}
