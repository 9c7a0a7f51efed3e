package org.attnzoo.backbones.vit;

/**
 * Builds the layers of a {@link VisionTransformer}. Layers form a chain: layer 0 receives the
 * tokens, every later layer receives the previous layer's outputs, and the last layer must return
 * the tokens alone. A standard layer maps tokens to tokens; methods such as ToSA add layers that
 * also pass on their attention maps to the next layer.
 */
public interface VitLayerFactory {

  /** Every layer the standard {@link VitBlock}. */
  VitLayerFactory DENSE =
      new VitLayerFactory() {
        @Override
        public VitBlock create(VitLayerArgs args) {
          return args.dense();
        }

        @Override
        public String toString() {
          return "dense";
        }
      };

  /**
   * @param args the layer's position and hyper-parameters
   * @return a new, uninitialised layer
   */
  VitBlock create(VitLayerArgs args);

  /**
   * Checks that this factory can build {@code depth} layers (e.g. its layer indices lie within the
   * depth); called when the {@link VitConfig} is built.
   *
   * @param depth the number of layers
   * @throws IllegalArgumentException naming the conflict
   */
  default void validate(int depth) {}
}
