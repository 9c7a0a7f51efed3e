package org.attnzoo.zoo;

import org.attnzoo.backbones.BackboneConfig;

/**
 * One row of the variant table: a name, its architecture, its data configuration and the published
 * figures it is checked against.
 *
 * @param name the variant's name (timm's name where timm has it); the zoo's artifact id
 * @param config the architecture
 * @param data the input normalisation and label set
 * @param reference published figures
 */
public record Variant(String name, BackboneConfig config, DataConfig data, Reference reference) {

  /**
   * Checks that the data configuration fits the architecture and gives it the backbone's input size
   * when it has none.
   */
  public Variant {
    int channels = (int) config.inputShape().get(0);
    if (data.channels() != channels) {
      throw new IllegalArgumentException(
          String.format(
              "variant %s: data config has %d channels, the backbone takes %d",
              name, data.channels(), channels));
    }
    int[] size = {channels, (int) config.inputShape().get(1), (int) config.inputShape().get(2)};
    if (data.inputSize() == null) {
      data = data.withInputSize(size);
    } else if (!java.util.Arrays.equals(data.inputSize(), size)) {
      throw new IllegalArgumentException(
          String.format(
              "variant %s: data config input size %s, the backbone takes %s",
              name, java.util.Arrays.toString(data.inputSize()), java.util.Arrays.toString(size)));
    }
  }

  /**
   * @return the architecture family, e.g. {@code vit}
   */
  public String family() {
    return config.family();
  }
}
